package dev.checkpointer.simulation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.Test;

/**
 * Replays one schedule, printing its event log: {@code -Dsim.replay=<schedule>} as printed by a failing property
 * or search. Skipped when the property is absent.
 */
class ReplayTest {
    @Test
    void replay() {
        String text = System.getProperty("sim.replay");
        assumeTrue(text != null && !text.isBlank(), "no -Dsim.replay given");
        // Either an encoded schedule, or DEFECT@SEED: the schedule a search for that defect draws from that seed.
        Schedule schedule = text.contains("@")
                ? Generators.fromSeed(Long.parseLong(text.substring(text.indexOf('@') + 1)), Defect.valueOf(text.substring(0, text.indexOf('@'))).lo,
                        Defect.valueOf(text.substring(0, text.indexOf('@'))).hi, java.util.Set.of())
                : Schedule.decode(text);
        Simulation.Result r = Simulation.run(schedule, true);
        r.log().forEach(System.out::println);
        System.out.println(r.steps() + " steps, " + r.calls() + " store calls, " + r.saves() + " saves, " + r.successes() + " successes");
        assertThat(r.violation()).as(() -> r.violation().getMessage()).isNull();
    }
}
