package dev.checkpointer.internal;

import dev.checkpointer.CheckpointException;
import dev.checkpointer.CheckpointId;
import dev.checkpointer.CheckpointListener;
import dev.checkpointer.ConcurrentCheckpointException;
import dev.checkpointer.CorruptMetadataException;
import dev.checkpointer.IncompatibleCheckpointException;
import dev.checkpointer.IntegrityException;
import dev.checkpointer.StoreException;
import dev.checkpointer.spi.ObjectStore;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.function.Consumer;
import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What every part of the engine shares: settings, the retried store calls, the location's state as this
 * checkpointer knows it, the protocol rules in force, the token source and the listeners.
 */
final class Context {
    private static final Logger log = LoggerFactory.getLogger(Context.class);

    final EngineConfig config;
    final ObjectStore store;
    final StoreCalls calls;
    final ProtocolRules.Settings rules;
    final LocationState state = new LocationState();
    /** Where hashing, chunking, compression and verification run (see {@link CpuWork}). */
    final CpuWork cpu;
    private final RandomGenerator random;

    Context(EngineConfig config, ProtocolRules.Settings rules) {
        this.config = config;
        this.store = config.store();
        this.calls = new StoreCalls(store, config.retry(), config.operationTimeout(), config.listeners());
        this.rules = rules;
        this.cpu = new CpuWork(store.describe());
        RandomGenerator r = rules.random();
        this.random = r != null ? r : new SecureRandom();
    }

    boolean on(ProtocolRules.Rule rule) {
        return rules.on(rule);
    }

    String writerId() {
        return config.writerId();
    }

    Instant now() {
        return config.clock().instant();
    }

    /** A fresh token naming one save attempt's objects: 64 random bits, so two attempts never share a key. */
    String newToken() {
        long bits;
        synchronized (random) {
            bits = random.nextLong();
        }
        return Long.toHexString(bits | Long.MIN_VALUE);
    }

    void notifyListeners(Consumer<CheckpointListener> call) {
        for (CheckpointListener l : config.listeners()) {
            try {
                call.accept(l);
            } catch (RuntimeException e) {
                log.warn("checkpoint listener {} threw; ignored", l, e);
            }
        }
    }

    /** A checkpoint that cannot be trusted: logged, told to listeners (and so to metrics), never passed over silently. */
    void reportCorrupt(CheckpointId id, CheckpointException e) {
        log.warn("checkpoint {} at {} cannot be trusted and is passed over: {}", id, store.describe(), e.getMessage());
        notifyListeners(l -> l.onCorruptCheckpoint(id, e));
    }

    /**
     * Logs, at INFO, that this writer was fenced, when {@code e} says so: the one line that tells an operator a
     * newer writer took the location over and this one's saves are refused from now on.
     *
     * @return whether {@code e} was a fencing
     */
    boolean reportFenced(@Nullable Throwable e) {
        if (e instanceof ConcurrentCheckpointException cce && cce.fenced()) {
            log.info("writer {} is fenced at {}, its saves are refused from now on: {}", writerId(), store.describe(), cce.getMessage());
            return true;
        }
        return false;
    }

    static boolean isNotFound(Throwable t) {
        return t instanceof StoreException se && se.isNotFound();
    }

    static boolean isPrecondition(Throwable t) {
        return t instanceof StoreException se && se.isPreconditionFailed();
    }

    /** A manifest or artifact that cannot be trusted (as opposed to a store that cannot be reached). */
    static boolean isUntrustworthy(Throwable t) {
        return t instanceof CorruptMetadataException || t instanceof IncompatibleCheckpointException || t instanceof IntegrityException;
    }
}
