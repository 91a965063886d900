package dev.checkpointer.simulation;

import dev.checkpointer.internal.ProtocolRules.Rule;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * One schedule: the top-level parameters (how many actors of each kind, retention, grace, fault rates, rules
 * switched off) and the choice sequence that decides everything else. A schedule is everything a run depends
 * on: the same schedule gives the same run, bit for bit. {@link #encode()} writes it as one shell-safe word for
 * {@code -Dsim.replay=}; {@link #decode} reads it back.
 *
 * @param params the parameters
 * @param choices the decisions, read in order by {@link Choices}
 */
record Schedule(Params params, List<Integer> choices) {

    /**
     * The parameters of a schedule. Every field's smallest value is the simplest setting.
     *
     * @param ownWriters writers that claim their own epoch (0..2)
     * @param sharedWriters writers that share the coordinators' term as an explicit epoch (0..2)
     * @param coordinators coordinators running begin/stage/commit/abort, each with a worker process (0..2)
     * @param pruners processes calling prune() (0..2)
     * @param readers readers calling latest/list/load/read (0..2, at least one is always present)
     * @param deleters processes deleting recently committed checkpoints (0..1)
     * @param keepLast retention of the writers with retention (0 = keep all, else keepLast(k))
     * @param retentionMask which writers (own first, then shared) and pruners apply retention, one bit each
     * @param grace index into {@link #GRACE}: the pruners' orphan grace period
     * @param skew0 index into {@link #SKEW}: the first pruner's clock skew
     * @param skew1 index into {@link #SKEW}: the second pruner's clock skew
     * @param transientPct percentage of resolutions that fail transiently (no effect)
     * @param lostPct percentage of write resolutions that land but lose their response
     * @param stallWeight weight of "stall a process" events (a stalled writer is replaced by a successor)
     * @param crashWeight weight of "crash a process" events
     * @param pageSize keys per page of a listing (2..4)
     * @param disabled protocol rules switched off (ignored by the v1 engine)
     * @param chunking which writers chunk, one bit each (own writers first, then shared: bits 0-3), and which of
     *        those compress with zstd (bit 4: own writers, bit 5: shared writers); 0 (and absent, in schedules
     *        encoded before chunking existed) = none
     * @param delayPct percentage of resolutions that hold a request in flight instead (it is neither applied nor
     *        answered until a later step lets it go, or until the run settles): a request stuck in the network,
     *        landing long after its caller gave up on it; 0 (and absent, in schedules encoded before) = none
     */
    record Params(int ownWriters, int sharedWriters, int coordinators, int pruners, int readers, int deleters,
            int keepLast, int retentionMask, int grace, int skew0, int skew1, int transientPct, int lostPct,
            int stallWeight, int crashWeight, int pageSize, Set<Rule> disabled, int chunking, int delayPct) {

        /** Grace periods a pruner may have, in seconds. */
        static final long[] GRACE = {0, 1, 30, 600, 3600};
        /** Pruner clock skews, in seconds (positive: ahead of the store). */
        static final long[] SKEW = {0, 7200, -7200, 600, -600, 3 * 3600};

        /** Validates and normalises. */
        Params {
            disabled = disabled.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(disabled));
            pageSize = Math.max(2, Math.min(4, pageSize));
            delayPct = Math.max(0, Math.min(50, delayPct));
        }

        int[] ints() {
            int[] v = {ownWriters, sharedWriters, coordinators, pruners, readers, deleters, keepLast, retentionMask,
                    grace, skew0, skew1, transientPct, lostPct, stallWeight, crashWeight, pageSize, ruleMask(disabled), chunking, delayPct};
            // Without delays, the 18 values schedules had before delays existed: their encodings stay what they were.
            return delayPct == 0 ? java.util.Arrays.copyOf(v, 18) : v;
        }

        static Params of(int[] v) {
            return new Params(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12], v[13], v[14], v[15],
                    rules(v[16]), v.length > 17 ? v[17] : 0, v.length > 18 ? v[18] : 0);
        }

        /** Whether writer {@code index} (own writers 0-1, shared writers 2-3) chunks its large partitions. */
        boolean chunks(int index) {
            return (chunking & (1 << index)) != 0;
        }

        /** Whether writer {@code index}, when it chunks, compresses its chunks with zstd. */
        boolean zstd(int index) {
            return (chunking & (1 << (index < 2 ? 4 : 5))) != 0;
        }

        Params withDisabled(Set<Rule> rules) {
            int[] v = ints();
            v[16] = ruleMask(rules);
            return of(v);
        }

        static int ruleMask(Set<Rule> rules) {
            int mask = 0;
            for (Rule r : rules) {
                mask |= 1 << r.ordinal();
            }
            return mask;
        }

        static Set<Rule> rules(int mask) {
            Set<Rule> out = EnumSet.noneOf(Rule.class);
            for (Rule r : Rule.values()) {
                if ((mask & (1 << r.ordinal())) != 0) {
                    out.add(r);
                }
            }
            return out;
        }
    }

    /** One word: parameters in base 36 joined by '.', a '_', then the choices in base 36 joined by '.'. */
    String encode() {
        StringBuilder sb = new StringBuilder("s1.");
        int[] p = params.ints();
        for (int i = 0; i < p.length; i++) {
            sb.append(i == 0 ? "" : ".").append(Integer.toString(p[i], 36));
        }
        sb.append('_');
        for (int i = 0; i < choices.size(); i++) {
            sb.append(i == 0 ? "" : ".").append(Integer.toString(choices.get(i), 36));
        }
        return sb.toString();
    }

    /** Reads what {@link #encode()} wrote. */
    static Schedule decode(String text) {
        String t = text.trim();
        if (!t.startsWith("s1.")) {
            throw new IllegalArgumentException("not a schedule (expected s1.…): " + text);
        }
        int bar = t.indexOf('_');
        String[] ps = t.substring(3, bar).split("\\.");
        int[] p = new int[ps.length];
        for (int i = 0; i < ps.length; i++) {
            p[i] = Integer.parseInt(ps[i], 36);
        }
        List<Integer> cs = new ArrayList<>();
        String rest = t.substring(bar + 1);
        if (!rest.isEmpty()) {
            for (String c : rest.split("\\.")) {
                cs.add(Integer.parseInt(c, 36));
            }
        }
        return new Schedule(Params.of(p), List.copyOf(cs));
    }

    /** The one command that replays this schedule. */
    String replayCommand() {
        return "mvn -B -ntp -pl simulation -am test -Dsurefire.failIfNoSpecifiedTests=false -Dtest=ReplayTest -Dsim.replay=" + encode();
    }
}
