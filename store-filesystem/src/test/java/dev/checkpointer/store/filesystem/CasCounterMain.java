package dev.checkpointer.store.filesystem;

import dev.checkpointer.Payload;
import dev.checkpointer.StoreException;
import dev.checkpointer.spi.Buffers;
import dev.checkpointer.spi.ByteRange;
import dev.checkpointer.spi.ObjectContent;
import dev.checkpointer.spi.ObjectStore;
import dev.checkpointer.spi.PutOptions;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The other process of {@link FileSystemCrossProcessTest}: opens the store, says {@code ready}, waits for
 * {@code go} on stdin, then increments the shared counter with compare-and-swap and prints {@code conflicts=N}.
 */
public final class CasCounterMain {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private CasCounterMain() {}

    /**
     * Runs the child.
     *
     * @param args the store's root and the number of increments
     * @throws Exception on any failure (exit code 1)
     */
    public static void main(String[] args) throws Exception {
        try (ObjectStore store = FileSystemStore.open(Path.of(args[0]))) {
            int times = Integer.parseInt(args[1]);
            System.out.println("ready");
            System.out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            if (!"go".equals(in.readLine())) {
                throw new IllegalStateException("expected go");
            }
            System.out.println("conflicts=" + increment(store, "counter", times));
            System.out.flush();
        }
    }

    /**
     * Adds one to a decimal counter object {@code times} times, retrying on lost compare-and-swaps.
     *
     * @param store the store
     * @param key the counter's key
     * @param times increments to make
     * @return how many compare-and-swaps were lost to the other writer
     */
    static int increment(ObjectStore store, String key, int times) {
        int conflicts = 0;
        for (int done = 0; done < times; ) {
            ObjectContent c = store.get(key, ByteRange.ALL).block(TIMEOUT);
            long value = Long.parseLong(new String(Buffers.join(c.body()).block(TIMEOUT), StandardCharsets.UTF_8));
            try {
                store.put(key, Payload.of(Long.toString(value + 1).getBytes(StandardCharsets.UTF_8)), PutOptions.ifMatch(c.info().etag())).block(TIMEOUT);
                done++;
            } catch (StoreException e) {
                if (!e.isPreconditionFailed()) {
                    throw e;
                }
                conflicts++;
            }
        }
        return conflicts;
    }
}
