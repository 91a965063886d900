package dev.checkpointer.multihost;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeSet;

/**
 * What each worker owns and the bytes it stages, recomputable from a seed by any process (the verifier, the test).
 * Worker {@code w} owns two partitions: {@value #LARGE_OP}/w, above the 64 KiB inline threshold (a real upload),
 * and {@value #SMALL_OP}/w, below it (inlined into the entry, then the manifest).
 */
final class Content {
    /** Operator of the large partitions: each one is an object of its own. */
    static final String LARGE_OP = "window";
    /** Operator of the small partitions: inline in the manifest. */
    static final String SMALL_OP = "dedup";
    /** The source whose offsets the coordinator records. */
    static final String SOURCE = "clicks";

    private Content() {}

    static int largeSize(int worker) {
        return 640 * 1024 + 4099 * worker + 1;
    }

    static int smallSize(int worker) {
        return 700 + 13 * worker;
    }

    static byte[] large(long seed, int worker) {
        return bytes(seed, LARGE_OP, worker, largeSize(worker));
    }

    static byte[] small(long seed, int worker) {
        return bytes(seed, SMALL_OP, worker, smallSize(worker));
    }

    /** Deterministic pseudo-random bytes for one partition. */
    static byte[] bytes(long seed, String operator, int partition, int size) {
        long mix = seed * 0x9E3779B97F4A7C15L ^ ((long) operator.hashCode() << 20) ^ partition;
        byte[] b = new byte[size];
        new SplittableRandom(mix).nextBytes(b);
        return b;
    }

    /** {@code operator/partition} of every partition a checkpoint of {@code workers} workers must hold. */
    static TreeSet<String> expectedNames(int workers) {
        TreeSet<String> names = new TreeSet<>();
        for (int w = 0; w < workers; w++) {
            names.add(LARGE_OP + "/" + w);
            names.add(SMALL_OP + "/" + w);
        }
        return names;
    }

    /** The source offsets the coordinator records: one per worker. */
    static Map<String, String> offsets(long seed, int workers) {
        Map<String, String> o = new LinkedHashMap<>();
        for (int w = 0; w < workers; w++) {
            o.put(Integer.toString(w), Long.toString(seed * 1000 + w));
        }
        return o;
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
