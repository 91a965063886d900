package dev.checkpointer.internal;

import dev.checkpointer.Checkpointer;

/**
 * The engine's one entry point for {@link dev.checkpointer.CheckpointerBuilder}, which lives in another package. Every
 * other engine class is package-private or reachable only through this one; other modules never use it (the
 * architecture tests check that).
 */
public final class Engine {
    private Engine() {}

    /**
     * Creates the engine over validated settings; use {@link Checkpointer#builder()}.
     *
     * @param config validated settings
     * @return the checkpointer
     */
    public static Checkpointer open(EngineConfig config) {
        return new DefaultCheckpointer(config);
    }

    /**
     * A writer id naming host, process and a random suffix.
     *
     * @return the id
     */
    public static String defaultWriterId() {
        return DefaultCheckpointer.defaultWriterId();
    }
}
