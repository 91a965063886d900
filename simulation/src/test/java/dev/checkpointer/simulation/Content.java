package dev.checkpointer.simulation;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * What every save writes, as a pure function of its save tag (the {@code save} metadata value, unique per save):
 * 1 to 3 partitions of 0 to 40 bytes each. With the simulation's {@code inlineThreshold} of 16 and
 * {@code maxInlineBytes} of 20, that gives inline entries, stored objects and sidecar-packed entries. The oracle
 * computes the same function to know exactly what any checkpoint must contain.
 */
final class Content {
    /** One partition of a save. */
    record Part(String operator, int partition, byte[] bytes) {}

    private Content() {}

    /** The partitions of the save with this tag. */
    static List<Part> of(String tag) {
        SplittableRandom r = new SplittableRandom(tag.hashCode() * 0x9E3779B97F4A7C15L + tag.length());
        int n = 1 + r.nextInt(3);
        List<Part> parts = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            byte[] b = new byte[r.nextInt(41)];
            for (int j = 0; j < b.length; j++) {
                b[j] = (byte) r.nextInt(256);
            }
            parts.add(new Part(i % 2 == 0 ? "counts" : "state", i, b));
        }
        return parts;
    }

    /** The bytes of one partition of a save, or null when that save has no such partition. */
    static byte[] expected(String tag, String operator, int partition) {
        for (Part p : of(tag)) {
            if (p.operator().equals(operator) && p.partition() == partition) {
                return p.bytes();
            }
        }
        return null;
    }
}
