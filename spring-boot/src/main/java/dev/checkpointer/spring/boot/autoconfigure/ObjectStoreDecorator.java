package dev.checkpointer.spring.boot.autoconfigure;

import dev.checkpointer.spi.ObjectStore;

/**
 * Wraps the {@link ObjectStore} that the auto-configured {@link dev.checkpointer.Checkpointer} uses (the
 * application's own {@code ObjectStore} bean, or the one opened from {@code checkpointer.location}), for instance to
 * meter or trace its requests. The {@code ObjectStore} bean itself is left as it is. Decorators apply in
 * {@link org.springframework.core.annotation.Order order}, the first one innermost.
 */
@FunctionalInterface
public interface ObjectStoreDecorator {

    /**
     * Wraps a store.
     *
     * @param store the store to wrap
     * @return the wrapper (or {@code store} itself)
     */
    ObjectStore decorate(ObjectStore store);
}
