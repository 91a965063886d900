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

    /**
     * Reactor's scheduler factory and hooks are global, so two simulations on two threads at once (jqwik's shrinking
     * goes on in a pool thread after its time bound, while the next test starts) would run each other's work. The
     * worlds take turns instead ({@link SimTime}), and each run is the run it is alone.
     */
    @Test
    void twoSimulationsOnTwoThreadsAtOnceEachGiveTheirOwnRun() throws Exception {
        java.util.List<Schedule> schedules = new java.util.ArrayList<>();
        for (long seed = 1; seed <= 6; seed++) {
            schedules.add(Generators.fromSeed(seed, Generators.CHUNK_LO, Generators.CHUNK_HI, Set.of()));
        }
        java.util.List<java.util.List<String>> alone = schedules.stream().map(s -> Simulation.run(s, true).log()).toList();
        java.util.concurrent.ExecutorService other = java.util.concurrent.Executors.newSingleThreadExecutor();
        try {
            java.util.concurrent.Future<java.util.List<java.util.List<String>>> there = other.submit(
                    () -> schedules.stream().map(s -> Simulation.run(s, true).log()).toList());
            java.util.List<java.util.List<String>> here = new java.util.ArrayList<>();
            for (int i = schedules.size() - 1; i >= 0; i--) {
                here.add(0, Simulation.run(schedules.get(i), true).log());
            }
            assertThat(there.get(5, java.util.concurrent.TimeUnit.MINUTES)).isEqualTo(alone);
            assertThat(here).isEqualTo(alone);
        } finally {
            other.shutdownNow();
        }
    }

    /**
     * A resolution may hold a request in flight instead ({@link Schedule.Params#delayPct}): it lands later, after its
     * caller gave up on it, and a run with holds reproduces as any other. Schedules without holds encode as before.
     */
    @Test
    void heldRequestsLandAfterTheirCallerGaveUpAndReplayBitForBit() {
        int[] lo = Generators.CHUNK_LO.clone();
        int[] hi = Generators.CHUNK_HI.clone();
        lo[17] = 20;
        hi[17] = 20;
        int late = 0;
        for (long seed = 1; seed <= 10; seed++) {
            Schedule s = Generators.fromSeed(seed, lo, hi, Set.of());
            Simulation.Result a = Simulation.run(s, true);
            assertThat(Simulation.run(Schedule.decode(s.encode()), true).log()).as("seed " + seed).isEqualTo(a.log());
            for (String line : a.log()) {
                if (line.contains(" hold #")) {
                    String call = line.substring(line.indexOf(" hold ") + 6, line.indexOf(" in flight"));
                    late += a.log().stream().anyMatch(l -> l.contains(" resolve " + call + " ") && l.endsWith("(no one listening)")) ? 1 : 0;
                }
            }
        }
        assertThat(late).as("held requests that landed after their caller gave up").isPositive();
        Schedule none = Generators.fromSeed(1, Generators.ALL_LO, Generators.ALL_HI, Set.of());
        assertThat(none.params().delayPct()).isZero();
        assertThat(none.encode().substring(0, none.encode().indexOf('_')).split("\\.")).hasSize(19); // "s1" and 18 values
    }

    @Test
    void scheduleEncodingRoundTrips() {
        Schedule s = Generators.fromSeed(7, Generators.ALL_LO, Generators.ALL_HI, Set.of(dev.checkpointer.internal.ProtocolRules.Rule.ABORT_CLAIM));
        assertThat(Schedule.decode(s.encode())).isEqualTo(s);
    }
}
