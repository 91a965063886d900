package dev.checkpointer.simulation;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * What every save writes, as a pure function of its save tag (the {@code save} metadata value, unique per save).
 * The oracle computes the same function to know exactly what any checkpoint must contain.
 *
 * <ul>
 *   <li>A plain tag ({@code s7}): 1 to 3 partitions of 0 to 40 bytes each. With the simulation's
 *       {@code inlineThreshold} of 16 and {@code maxInlineBytes} of 20, that gives inline entries, stored objects
 *       and sidecar-packed entries.</li>
 *   <li>A chunked writer's tag ({@code s7k}, see {@link #CHUNKED}): partition 0 is {@link #BASE_SIZE} bytes of one
 *       base text shared by every save, with 0 to 3 small edits (overwrites, inserts, deletes) chosen by the tag, so
 *       that consecutive saves share most of their chunks and about one save in four is the base unchanged (every
 *       chunk reused); partition 1 (when present) is 0 to 40 bytes (inline or a small object, never chunked);
 *       partition 2 (when present) is 100 to 255 bytes (stored whole, below the chunking threshold of
 *       {@link Simulation#CHUNK_THRESHOLD}) or an edited copy of a second base text (chunked).</li>
 * </ul>
 */
final class Content {
    /** The suffix of a chunked writer's save tags. */
    static final String CHUNKED = "k";
    /** Length of the base texts of chunked partitions. */
    static final int BASE_SIZE = 1024;

    private static final byte[] BASE0 = base(0xC0FFEEL);
    private static final byte[] BASE2 = base(0xBADC0DEL);

    /** One partition of a save. */
    record Part(String operator, int partition, byte[] bytes) {}

    private Content() {}

    /** Text over a small alphabet with runs, so that zstd has something to compress. */
    private static byte[] base(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        byte[] b = new byte[BASE_SIZE];
        for (int i = 0; i < b.length; ) {
            byte c = (byte) ('a' + r.nextInt(12));
            int run = 1 + r.nextInt(r.nextInt(8) == 0 ? 12 : 2);
            for (int j = 0; j < run && i < b.length; j++) {
                b[i++] = c;
            }
        }
        return b;
    }

    /** The partitions of the save with this tag. */
    static List<Part> of(String tag) {
        SplittableRandom r = new SplittableRandom(tag.hashCode() * 0x9E3779B97F4A7C15L + tag.length());
        if (tag.endsWith(CHUNKED)) {
            return chunked(r);
        }
        int n = 1 + r.nextInt(3);
        List<Part> parts = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            parts.add(new Part(i % 2 == 0 ? "counts" : "state", i, random(r, r.nextInt(41))));
        }
        return parts;
    }

    private static List<Part> chunked(SplittableRandom r) {
        int n = 1 + r.nextInt(3);
        List<Part> parts = new ArrayList<>(n);
        parts.add(new Part("counts", 0, edited(BASE0, r)));
        if (n > 1) {
            parts.add(new Part("state", 1, random(r, r.nextInt(41))));
        }
        if (n > 2) {
            parts.add(new Part("counts", 2, r.nextBoolean() ? random(r, 100 + r.nextInt(156)) : edited(BASE2, r)));
        }
        return parts;
    }

    private static byte[] random(SplittableRandom r, int length) {
        byte[] b = new byte[length];
        for (int j = 0; j < b.length; j++) {
            b[j] = (byte) r.nextInt(256);
        }
        return b;
    }

    /** The base with 0 to 3 small edits (none in about one case of four). */
    private static byte[] edited(byte[] base, SplittableRandom r) {
        byte[] b = base;
        int edits = Math.max(0, r.nextInt(5) - 1);
        for (int i = 0; i < edits; i++) {
            int at = r.nextInt(b.length);
            int len = 1 + r.nextInt(8);
            byte[] patch = random(r, len);
            switch (r.nextInt(3)) {
                case 0 -> { // overwrite
                    b = b.clone();
                    System.arraycopy(patch, 0, b, at, Math.min(len, b.length - at));
                }
                case 1 -> { // insert
                    byte[] c = new byte[b.length + len];
                    System.arraycopy(b, 0, c, 0, at);
                    System.arraycopy(patch, 0, c, at, len);
                    System.arraycopy(b, at, c, at + len, b.length - at);
                    b = c;
                }
                default -> { // delete
                    int cut = Math.min(len, b.length - at);
                    byte[] c = new byte[b.length - cut];
                    System.arraycopy(b, 0, c, 0, at);
                    System.arraycopy(b, at + cut, c, at, b.length - at - cut);
                    b = c;
                }
            }
        }
        return b == base ? base.clone() : b;
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
