package dev.checkpointer.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.checkpointer.IntegrityException;
import org.junit.jupiter.api.Test;
import reactor.core.Exceptions;

/** Concurrent failures reach callers as the first one, not as Reactor's composite. */
class FirstFailureTest {
    @Test
    void aCompositeBecomesItsFirstErrorWithTheOthersSuppressed() {
        IntegrityException a = new IntegrityException("chunks/a", "x", "y");
        IntegrityException b = new IntegrityException("chunks/b", "x", "y");
        IllegalStateException c = new IllegalStateException("c");
        Throwable nested = Exceptions.multiple(Exceptions.multiple(a, b), c);
        Throwable first = FirstFailure.of(nested);
        assertThat(first).isSameAs(a);
        assertThat(a.getSuppressed()).containsExactly(b, c);
        IllegalStateException alone = new IllegalStateException("alone");
        assertThat(FirstFailure.of(alone)).isSameAs(alone);
    }
}
