package dev.checkpointer.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.checkpointer.InvalidInputException;
import dev.checkpointer.Payload;
import dev.checkpointer.engine.MapStore;
import java.util.List;
import org.junit.jupiter.api.Test;

class PrefixedObjectStoreTest {

    @Test
    void keyPrefixJoinsAndStripsTheOneWay() {
        KeyPrefix p = KeyPrefix.of("/team/app/");
        assertThat(p.value()).isEqualTo("team/app");
        assertThat(p.join("a/b")).isEqualTo("team/app/a/b");
        assertThat(p.join("")).isEqualTo("team/app/");
        assertThat(p.strip("team/app/a/b")).isEqualTo("a/b");
        assertThat(p.stripIfBelow("other/x")).isEqualTo("other/x");
        assertThatThrownBy(() -> p.strip("team/apple/x")).isInstanceOf(IllegalStateException.class).hasMessageContaining("outside prefix");
        assertThat(KeyPrefix.of("")).isSameAs(KeyPrefix.ROOT);
        assertThat(KeyPrefix.ROOT.join("k")).isEqualTo("k");
        assertThat(KeyPrefix.ROOT.strip("k")).isEqualTo("k");
        assertThatThrownBy(() -> KeyPrefix.of("a\u0007b")).isInstanceOf(InvalidInputException.class);
    }

    @Test
    void aViewWritesBelowItsPrefixAndShowsRelativeKeys() {
        MapStore base = new MapStore();
        ObjectStore view = PrefixedObjectStore.of(base, "tenant");
        ObjectInfo info = view.put("cp/1", Payload.of(new byte[] {1, 2}), PutOptions.none()).block();
        assertThat(info.key()).isEqualTo("cp/1");
        base.put("elsewhere", Payload.of(new byte[] {3}), PutOptions.none()).block();
        assertThat(base.list("").map(ObjectInfo::key).collectList().block()).containsExactly("elsewhere", "tenant/cp/1");
        assertThat(view.list("").map(ObjectInfo::key).collectList().block()).containsExactly("cp/1");
        assertThat(view.list("cp/").map(ObjectInfo::key).collectList().block()).containsExactly("cp/1");
        assertThat(view.head("cp/1").block().key()).isEqualTo("cp/1");
        assertThat(view.readAll("cp/1").block()).containsExactly(1, 2);
        view.deleteAll(List.of("cp/1")).block();
        assertThat(base.list("").map(ObjectInfo::key).collectList().block()).containsExactly("elsewhere");
        assertThat(view.describe()).endsWith("below 'tenant/'");
    }

    @Test
    void theRootViewIsTheStoreItselfAndBadKeysAreSignalled() {
        MapStore base = new MapStore();
        assertThat(PrefixedObjectStore.of(base, "")).isSameAs(base);
        ObjectStore view = PrefixedObjectStore.of(base, "p");
        assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> view.head("").block())).isInstanceOf(InvalidInputException.class);
    }

    @Test
    void aForwardingStoreForwardsEveryMethodItDoesNotOverride() {
        MapStore base = new MapStore();
        ObjectStore forwarding = new ForwardingObjectStore(base) {};
        forwarding.put("k", Payload.of(new byte[] {1}), PutOptions.none()).block();
        forwarding.head("k").block();
        forwarding.get("k", ByteRange.ALL).block();
        forwarding.list("").collectList().block();
        forwarding.delete("k").block();
        forwarding.deleteAll(List.of("k")).block();
        assertThat(forwarding.capabilities()).isEqualTo(base.capabilities());
        assertThat(forwarding.describe()).isEqualTo(base.describe());
        assertThat(base.calls()).hasSize(6);
    }
}
