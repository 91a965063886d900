package dev.checkpointer.spring.boot.autoconfigure;

import org.springframework.lang.Nullable;

/**
 * One property of a typed provider group ({@code checkpointer.s3.*}, {@code checkpointer.azure.*}, ...) and the store
 * option it sets. {@link #toString()} never shows a secret value.
 *
 * @param property the full property name, for example {@code checkpointer.s3.secret-access-key}
 * @param option the store module's option name, for example {@code secretAccessKey}
 * @param value the bound value, or null when the property is not set
 * @param secret whether the value is a secret (masked by the actuator, never in messages)
 */
record StoreGroupSetting(String property, String option, @Nullable Object value, boolean secret) {

    /** The value as the store option's text. */
    String optionValue() {
        if (value instanceof org.springframework.util.unit.DataSize size) {
            return Long.toString(size.toBytes());
        }
        return String.valueOf(value);
    }

    @Override
    public String toString() {
        return property + " -> " + option + (value == null ? " (unset)" : secret ? " = ******" : " = " + value);
    }
}
