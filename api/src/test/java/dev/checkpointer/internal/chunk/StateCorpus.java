package dev.checkpointer.internal.chunk;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

/**
 * A realistic, reproducible corpus of operator state, the kind a streaming job checkpoints: generated, not stored,
 * so the repository holds a few lines instead of megabytes and every size is available. Two shapes, mixed:
 *
 * <ul>
 *   <li><b>JSON counters</b>, as keyed aggregations written by Jackson: one object per line with a key (a user id),
 *       a window start, counts, sums and a small map of dimensions, drawn from skewed (Zipf-like) distributions;
 *   <li><b>binary records</b>, as Avro or Kryo write them: varint-encoded (zig-zag) longs and ints, length-prefixed
 *       UTF-8 strings from a small vocabulary, a few raw doubles and a random 16-byte id per record (which does not
 *       compress, like the UUIDs and hashes in real state).
 * </ul>
 *
 * The same seed always yields the same bytes.
 */
public final class StateCorpus {
    private static final String[] COUNTRIES = {"DE", "US", "FR", "GB", "NL", "SE", "PL", "ES", "IT", "JP", "BR", "IN"};
    private static final String[] EVENTS = {"page_view", "click", "add_to_cart", "purchase", "search", "login", "logout", "share"};
    private static final String[] DEVICES = {"ios", "android", "web-desktop", "web-mobile", "tv"};

    private StateCorpus() {}

    /**
     * {@code size} bytes of mixed state: alternating blocks of JSON counters and binary records (about half each).
     *
     * @param seed the seed
     * @param size the number of bytes
     * @return the bytes
     */
    public static byte[] mixed(long seed, int size) {
        SplittableRandom r = new SplittableRandom(seed);
        ByteArrayOutputStream out = new ByteArrayOutputStream(size + 4096);
        boolean json = true;
        while (out.size() < size) {
            int block = 64 * 1024;
            int target = Math.min(size, out.size() + block);
            while (out.size() < target) {
                if (json) {
                    jsonCounter(r, out);
                } else {
                    binaryRecord(r, out);
                }
            }
            json = !json;
        }
        byte[] all = out.toByteArray();
        return all.length == size ? all : java.util.Arrays.copyOf(all, size);
    }

    /** {@code size} bytes of JSON counters only. */
    public static byte[] jsonCounters(long seed, int size) {
        SplittableRandom r = new SplittableRandom(seed);
        ByteArrayOutputStream out = new ByteArrayOutputStream(size + 1024);
        while (out.size() < size) {
            jsonCounter(r, out);
        }
        return java.util.Arrays.copyOf(out.toByteArray(), size);
    }

    /** {@code size} bytes of binary records only. */
    public static byte[] binaryRecords(long seed, int size) {
        SplittableRandom r = new SplittableRandom(seed);
        ByteArrayOutputStream out = new ByteArrayOutputStream(size + 1024);
        while (out.size() < size) {
            binaryRecord(r, out);
        }
        return java.util.Arrays.copyOf(out.toByteArray(), size);
    }

    /** A skewed pick in {@code [0, n)}: small values far more often (roughly Zipf). */
    private static int skewed(SplittableRandom r, int n) {
        double u = r.nextDouble();
        return (int) Math.min(n - 1, Math.floor(Math.pow(n, u * u)) - 1 + (u < 0.01 ? r.nextInt(n) : 0)) ;
    }

    private static void jsonCounter(SplittableRandom r, ByteArrayOutputStream out) {
        long user = 1_000_000L + skewed(r, 5_000_000);
        long window = 1_765_000_000_000L + 60_000L * r.nextInt(1440);
        int count = 1 + skewed(r, 10_000);
        StringBuilder sb = new StringBuilder(256);
        sb.append("{\"key\":\"user-").append(user).append("\",\"window\":").append(window)
                .append(",\"count\":").append(count)
                .append(",\"sum\":").append(String.format(java.util.Locale.ROOT, "%.2f", count * (5 + r.nextDouble() * 95)))
                .append(",\"max\":").append(r.nextInt(100_000))
                .append(",\"country\":\"").append(COUNTRIES[skewed(r, COUNTRIES.length)]).append('"')
                .append(",\"events\":{");
        int kinds = 1 + r.nextInt(4);
        for (int i = 0; i < kinds; i++) {
            if (i > 0) {
                sb.append(',');
            }
            sb.append('"').append(EVENTS[skewed(r, EVENTS.length)]).append("\":").append(1 + skewed(r, 500));
        }
        sb.append("},\"device\":\"").append(DEVICES[skewed(r, DEVICES.length)]).append("\",\"late\":").append(r.nextInt(20) == 0).append("}\n");
        out.writeBytes(sb.toString().getBytes(StandardCharsets.UTF_8));
    }

    private static void binaryRecord(SplittableRandom r, ByteArrayOutputStream out) {
        varlong(out, 1_000_000L + skewed(r, 5_000_000)); // key
        varlong(out, 1_765_000_000_000L + 1000L * r.nextInt(86_400)); // timestamp
        varint(out, skewed(r, 10_000)); // count
        varint(out, r.nextInt(200) - 100); // delta, zig-zag
        string(out, EVENTS[skewed(r, EVENTS.length)]);
        string(out, COUNTRIES[skewed(r, COUNTRIES.length)]);
        long bits = Double.doubleToLongBits(Math.round(r.nextDouble() * 10_000) / 100.0);
        for (int i = 0; i < 8; i++) {
            out.write((int) (bits >>> (8 * i)));
        }
        byte[] id = new byte[16];
        for (int i = 0; i < id.length; i++) {
            id[i] = (byte) r.nextInt(256);
        }
        out.writeBytes(id);
        int tags = r.nextInt(3);
        varint(out, tags);
        for (int i = 0; i < tags; i++) {
            string(out, DEVICES[skewed(r, DEVICES.length)]);
        }
    }

    private static void varint(ByteArrayOutputStream out, int v) {
        varlong(out, v);
    }

    private static void varlong(ByteArrayOutputStream out, long v) {
        long z = (v << 1) ^ (v >> 63);
        while ((z & ~0x7FL) != 0) {
            out.write((int) ((z & 0x7F) | 0x80));
            z >>>= 7;
        }
        out.write((int) z);
    }

    private static void string(ByteArrayOutputStream out, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        varint(out, b.length);
        out.writeBytes(b);
    }
}
