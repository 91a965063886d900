package dev.checkpointer.spring.boot.autoconfigure;

import dev.checkpointer.CheckpointerBuilder;

/**
 * Callback that adjusts the {@link CheckpointerBuilder} of the auto-configured {@link dev.checkpointer.Checkpointer}
 * after the {@code checkpointer.*} properties, the store and the listener beans have been applied. Declare beans of
 * this type (ordered with {@link org.springframework.core.annotation.Order}) to set what properties cannot express,
 * such as a {@link java.time.Clock} or extra listeners.
 */
@FunctionalInterface
public interface CheckpointerBuilderCustomizer {

    /**
     * Adjusts the builder.
     *
     * @param builder the builder, already configured from properties
     */
    void customize(CheckpointerBuilder builder);
}
