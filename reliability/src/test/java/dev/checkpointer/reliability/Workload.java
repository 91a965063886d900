package dev.checkpointer.reliability;

import dev.checkpointer.Checkpoint;
import dev.checkpointer.Checkpointer;
import dev.checkpointer.CheckpointerBuilder;
import dev.checkpointer.Manifest;
import dev.checkpointer.PartitionEntry;
import dev.checkpointer.Payload;
import dev.checkpointer.RetrySettings;
import dev.checkpointer.Snapshot;
import dev.checkpointer.spi.Buffers;
import dev.checkpointer.spi.ObjectStore;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * The checkpoints the suite writes and how it proves one was restored whole. A {@link #snapshot(long) version}
 * has one partition of every shape the engine stores differently, at test scale: inlined in the manifest, packed
 * (two) into a sidecar object, a single-request object, and a multipart object of four parts. Every byte is a
 * function of the version, so a restore can be checked against what was saved without keeping it.
 */
public final class Workload {
    /** Bound on any single blocking wait. */
    public static final Duration TIMEOUT = Duration.ofSeconds(60);
    /** Quick retries: the faults are injected, not real, so there is no reason to wait long between attempts. */
    public static final RetrySettings FAST_RETRY = RetrySettings.defaults()
            .withBackoff(Duration.ofMillis(1), 2, Duration.ofMillis(8)).withMaxAttempts(12);
    /** Partitions of {@link #snapshot(long)}: operator, partition, size. */
    private static final List<Object[]> SHAPES = List.of(
            new Object[] {"inline", 0, 500},
            new Object[] {"packed", 0, 900},
            new Object[] {"packed", 1, 700},
            new Object[] {"single", 0, 20_000},
            new Object[] {"multi", 0, 200_000});

    private Workload() {}

    /**
     * Test-scale settings: inlined below 1 KiB with at most 1 KiB inlined per manifest (so the two "packed"
     * partitions go to a sidecar), 64 KiB parts and multipart from 128 KiB, no orphan grace, fast retries.
     *
     * @param store the store
     * @return the builder
     */
    public static CheckpointerBuilder builder(ObjectStore store) {
        return Checkpointer.builder().store(store)
                .inlineThreshold(1024).maxInlineBytes(1024)
                .partSize(64 * 1024).multipartThreshold(128 * 1024)
                .orphanGracePeriod(Duration.ZERO)
                .retry(FAST_RETRY);
    }

    /**
     * Deterministic bytes.
     *
     * @param size how many
     * @param seed the seed
     * @return the bytes
     */
    public static byte[] bytes(int size, long seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static long seed(long version, String operator, int partition) {
        return version * 1_000_003L + operator.hashCode() * 31L + partition;
    }

    /** The partitions' bytes of recent versions: a version is saved and verified several times. */
    private static final Map<Long, byte[][]> RECENT = new java.util.LinkedHashMap<>(64, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, byte[][]> eldest) {
            return size() > 64;
        }
    };

    /** The bytes of every partition of a version, in {@link #SHAPES} order. Callers must not modify them. */
    private static byte[][] contents(long version) {
        synchronized (RECENT) {
            return RECENT.computeIfAbsent(version, v -> {
                byte[][] all = new byte[SHAPES.size()][];
                for (int i = 0; i < all.length; i++) {
                    Object[] s = SHAPES.get(i);
                    all[i] = bytes((Integer) s[2], seed(v, (String) s[0], (Integer) s[1]));
                }
                return all;
            });
        }
    }

    /**
     * The snapshot of a version: every partition shape, the version as the source offset and in the metadata.
     *
     * @param version the version, at least 1
     * @return the snapshot
     */
    public static Snapshot snapshot(long version) {
        Snapshot.Builder b = Snapshot.builder();
        byte[][] contents = contents(version);
        for (int i = 0; i < SHAPES.size(); i++) {
            Object[] s = SHAPES.get(i);
            b.partition((String) s[0], (Integer) s[1], Payload.of(contents[i]));
        }
        return b.offsets("src", Map.of("0", Long.toString(version))).metadata("version", Long.toString(version)).build();
    }

    /**
     * The version a checkpoint says it holds.
     *
     * @param m its manifest
     * @return the version
     */
    public static long versionOf(Manifest m) {
        return Long.parseLong(m.offsets().get("src").get("0"));
    }

    /**
     * Reads every partition of a checkpoint twice, with {@code read} and with {@code stream}, and checks each is
     * exactly the bytes of the version its manifest names.
     *
     * @param c the checkpoint
     * @return the version
     * @throws AssertionError when any partition differs (a corrupt restore)
     */
    public static long verify(Checkpoint c) {
        long v = versionOf(c.manifest());
        if (c.manifest().partitions().size() != SHAPES.size()) {
            throw new AssertionError("checkpoint " + c.manifest().id() + " has " + c.manifest().partitions().size() + " partitions");
        }
        byte[][] contents = contents(v);
        for (int i = 0; i < SHAPES.size(); i++) {
            String op = (String) SHAPES.get(i)[0];
            int p = (Integer) SHAPES.get(i)[1];
            byte[] want = contents[i];
            byte[] read = Buffers.toArray(c.read(op, p).block(TIMEOUT));
            byte[] streamed = Buffers.join(c.stream(op, p)).block(TIMEOUT);
            if (!Arrays.equals(want, read) || !Arrays.equals(want, streamed)) {
                throw new AssertionError("checkpoint " + c.manifest().id() + " partition " + op + "/" + p + " differs from version " + v);
            }
        }
        return v;
    }

    /**
     * Every key the chain holds: the pointer, the manifest and artifacts of every live member ({@code list()}), and
     * the tombstone of every member deleted inside the window (protocol v2: {@code delete(id)} replaces a member's
     * manifest with a tombstone, which stays so that the chain can be walked and the id never committed again). The
     * tombstones are found with Jackson: files at manifest keys whose envelope format is {@code checkpointer-tombstone},
     * with ids from the pointer's floor to its head. This is what {@code prune()} must leave once the head has passed
     * every id that holds debris (it never touches ids above the head).
     *
     * @param cp the checkpointer
     * @param store a handle on the same location
     * @return the keys
     */
    public static Set<String> referencedKeys(Checkpointer cp, ObjectStore store) {
        Set<String> keys = new HashSet<>();
        for (Manifest m : cp.list().collectList().block(TIMEOUT)) {
            keys.add(StoredJson.manifestKey(m.id()));
            m.partitions().stream().map(PartitionEntry::key).filter(k -> k != null).forEach(keys::add);
        }
        StoredJson.PointerFields p = StoredJson.pointer(store);
        for (String key : store.list("checkpoints/").map(dev.checkpointer.spi.ObjectInfo::key).collectList().block(TIMEOUT)) {
            long id = idOf(key);
            if (key.endsWith("/manifest.json") && id >= Math.max(1, p.floor()) && id <= p.id()
                    && StoredJson.format(StoredJson.read(store, key)).filter(StoredJson.TOMBSTONE::equals).isPresent()) {
                keys.add(key);
            }
        }
        keys.add("_latest");
        return keys;
    }

    /**
     * The checkpoint id a key lies under.
     *
     * @param key e.g. {@code checkpoints/00000000000000000007/state/0.ab.snapshot}
     * @return the id, or -1 for a key outside {@code checkpoints/{id}/}
     */
    public static long idOf(String key) {
        if (!key.startsWith("checkpoints/") || key.length() < 33 || key.charAt(32) != '/') {
            return -1;
        }
        try {
            return Long.parseLong(key.substring(12, 32));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /**
     * The highest checkpoint id any key at the location lies under.
     *
     * @param keys the keys
     * @return the id, or 0
     */
    public static long highestId(java.util.Collection<String> keys) {
        return keys.stream().mapToLong(Workload::idOf).max().orElse(0);
    }

    /**
     * A payload of a given size whose content is a function of a seed, streamed in chunks (not a byte-array
     * payload, so the engine takes its streaming paths).
     *
     * @param size bytes
     * @param seed seed
     * @param chunk chunk size
     * @return the payload
     */
    public static Payload streamed(int size, long seed, int chunk) {
        byte[] all = bytes(size, seed);
        return Payload.of(() -> reactor.core.publisher.Flux.range(0, (size + chunk - 1) / chunk)
                .map(i -> ByteBuffer.wrap(all, i * chunk, Math.min(chunk, size - i * chunk)).asReadOnlyBuffer()), size);
    }

    /**
     * Percentile of a sorted array of nanosecond latencies, in milliseconds.
     *
     * @param sortedNanos sorted latencies
     * @param p the percentile, 0 to 100
     * @return milliseconds
     */
    public static double percentileMillis(long[] sortedNanos, double p) {
        if (sortedNanos.length == 0) {
            return 0;
        }
        int i = (int) Math.ceil(p / 100.0 * sortedNanos.length) - 1;
        return sortedNanos[Math.max(0, Math.min(sortedNanos.length - 1, i))] / 1e6;
    }

    /**
     * Before the write that should make store-level debris (an abandoned multipart upload, Azure's uncommitted blocks)
     * old enough for {@code prune()}: protocol v2 measures the grace period against the newest last-modified time the
     * listing shows (the store's clock), and the emulators' timestamps are whole seconds, so debris from the same second
     * as the newest object is not older than it, even with no grace period. When such debris is pending on an emulator
     * target, this waits into the next second, so that what is written next is strictly newer.
     *
     * @param target the target
     * @param loc the location
     */
    public static void letTheStoreSecondPass(StoreTarget target, Location loc) {
        if (target.emulator() && loc.pendingUploads().orElse(0) > 0) {
            long ms = System.currentTimeMillis();
            reactor.core.publisher.Mono.delay(Duration.ofMillis(1000 - ms % 1000 + 50)).block();
        }
    }

    /**
     * Waits, bounded, until a condition holds: for effects the engine completes asynchronously after it signalled
     * (the clean-up of a refused or cancelled save). Polls every 20 ms on the calling thread.
     *
     * @param condition the condition
     * @param bound the longest wait
     * @return whether it held within the bound
     */
    public static boolean await(java.util.function.BooleanSupplier condition, Duration bound) {
        long deadline = System.nanoTime() + bound.toNanos();
        while (true) {
            if (condition.getAsBoolean()) {
                return true;
            }
            if (System.nanoTime() > deadline) {
                return false;
            }
            reactor.core.publisher.Mono.delay(Duration.ofMillis(20)).block();
        }
    }

    /**
     * Waits, bounded, for a value to reach a target or to settle: for the clean-up of a cancelled save, whose effects
     * land asynchronously. Returns at once when the value equals the target; otherwise once it has not changed for
     * {@code quiet}, or when {@code bound} has passed.
     *
     * @param value reads the value
     * @param target the value hoped for (null: none, wait only for the value to stay unchanged for {@code quiet})
     * @param quiet how long a value must stay unchanged to count as settled
     * @param bound the longest wait
     * @param <T> the type
     * @return the last value read
     */
    public static <T> T settle(java.util.function.Supplier<T> value, T target, Duration quiet, Duration bound) {
        long deadline = System.nanoTime() + bound.toNanos();
        T last = value.get();
        long since = System.nanoTime();
        while (!last.equals(target) && System.nanoTime() < deadline && System.nanoTime() - since < quiet.toNanos()) {
            reactor.core.publisher.Mono.delay(Duration.ofMillis(20)).block();
            T now = value.get();
            if (!now.equals(last)) {
                last = now;
                since = System.nanoTime();
            }
        }
        return last;
    }
}
