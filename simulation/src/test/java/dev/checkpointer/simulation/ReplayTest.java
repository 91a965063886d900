package dev.checkpointer.simulation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.Test;

/**
 * Replays one schedule, printing its event log: {@code -Dsim.replay=<schedule>} as printed by a failing property
 * or search. Skipped when the property is absent. With {@code -Dsim.shrink=true}, a failing schedule is first shrunk
 * further (same check broken) and the smaller schedule's command printed.
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
        Simulation.Result first = Simulation.run(schedule, false);
        if (Boolean.getBoolean("sim.shrink") && first.failed()) {
            // Shrink further (jqwik's bounded shrinking stops early on long lists), keeping the same check broken.
            String check = first.violation().check;
            schedule = Search.shrink(schedule, Generators.ALL_LO, x -> x.violation().check.equals(check), 5000);
            System.out.println("shrunk to " + schedule.choices().size() + " choices: " + schedule.replayCommand());
        }
        Simulation.Result r = Simulation.run(schedule, true);
        r.log().forEach(System.out::println);
        System.out.println(r.steps() + " steps, " + r.calls() + " store calls, " + r.saves() + " saves, " + r.successes() + " successes");
        assertThat(r.violation()).as(() -> r.violation().getMessage()).isNull();
    }
}
