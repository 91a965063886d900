package dev.checkpointer.simulation;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import org.junit.jupiter.api.Test;

/** A schedule reproduces bit for bit: the same schedule twice gives the same event log. */
class DeterminismTest {
    @Test
    void theSameScheduleGivesTheSameRun() {
        for (long seed = 1; seed <= 12; seed++) {
            Schedule s = Generators.fromSeed(seed, Generators.ALL_LO, Generators.ALL_HI, Set.of());
            Simulation.Result a = Simulation.run(s, true);
            Simulation.Result b = Simulation.run(Schedule.decode(s.encode()), true);
            assertThat(b.log()).as("seed " + seed).isEqualTo(a.log());
            assertThat(a.log().size()).isGreaterThan(5);
        }
    }

    @Test
    void scheduleEncodingRoundTrips() {
        Schedule s = Generators.fromSeed(7, Generators.ALL_LO, Generators.ALL_HI, Set.of(dev.checkpointer.internal.ProtocolRules.Rule.ABORT_CLAIM));
        assertThat(Schedule.decode(s.encode())).isEqualTo(s);
    }
}
