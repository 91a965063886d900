package dev.checkpointer.reliability;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Marks a test class as the suite's tests of one requirement of issue 8: tags it {@code reliability} (the group
 * surefire runs) and registers {@link ReportExtension}, which attributes failures to the requirement and writes the
 * results at the end of the run, and {@link Emulators}, which keeps the emulators it starts in the run's root context.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Tag("reliability")
@ExtendWith({ReportExtension.class, Emulators.class})
public @interface Requirement {
    /**
     * The requirement.
     *
     * @return one of {@link Report#REQUIREMENTS}
     */
    String value();
}
