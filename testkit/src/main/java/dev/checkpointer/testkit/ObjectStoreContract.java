package dev.checkpointer.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.checkpointer.CheckpointException;
import dev.checkpointer.ErrorCode;
import dev.checkpointer.InvalidInputException;
import dev.checkpointer.Payload;
import dev.checkpointer.StoreException;
import dev.checkpointer.spi.Buffers;
import dev.checkpointer.spi.ByteRange;
import dev.checkpointer.spi.Capabilities;
import dev.checkpointer.spi.MultipartUpload;
import dev.checkpointer.spi.ObjectContent;
import dev.checkpointer.spi.ObjectInfo;
import dev.checkpointer.spi.ObjectStore;
import dev.checkpointer.spi.PartInfo;
import dev.checkpointer.spi.PutOptions;
import dev.checkpointer.spi.StoreKeys;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

/**
 * The conformance suite of the store SPI ({@link ObjectStore}): what every store module must do, checked against
 * the real store. A store module extends this class, returns a fresh, empty store (or prefix) from
 * {@link #createStore(String)} and gets every test. Tests of optional features are gated on
 * {@link ObjectStore#capabilities()} with JUnit assumptions, so a feature a store does not claim shows up as
 * <em>skipped</em>, never as silently passed.
 *
 * <p>What is checked: round trips of empty, tiny and multi-MiB streamed objects; ranged reads; head and list
 * metadata; not-found mapping; lexicographic, prefix-scoped, lazy listing over more keys than a provider page;
 * idempotent deletes; a new ETag on every write; atomic create-if-absent and if-match (also under races from
 * parallel threads); that a failing, lying or corrupt payload never becomes visible and never damages the old
 * value; unusual but valid keys; refusal of invalid keys before any I/O; multipart uploads; clean-up of incomplete
 * uploads. Every wait is bounded by {@link #TIMEOUT}; nothing sleeps.
 */
public abstract class ObjectStoreContract {
    /** Bound on any single blocking wait in these tests. */
    protected static final Duration TIMEOUT = Duration.ofSeconds(30);

    private static final int KIB = 1024;
    private static final int MIB = 1024 * 1024;

    private ObjectStore store;

    /** For subclasses. */
    protected ObjectStoreContract() {}

    /**
     * A store over a fresh, empty location (a new directory, bucket prefix or container prefix).
     *
     * @param testName a name unique to the test, usable as a prefix or directory name (lower case, no '/')
     * @return the store; the suite closes it after the test
     */
    protected abstract ObjectStore createStore(String testName);

    /**
     * The capabilities the store under test must report; when present, a test checks them exactly.
     *
     * @return the expected capabilities, or empty to skip that check
     */
    protected Optional<Capabilities> expectedCapabilities() {
        return Optional.empty();
    }

    /**
     * Whether the store's ETag changes even when identical bytes are written again. The SPI requires it (an ETag
     * "changes on every write"); a provider whose ETag is a content hash (S3's MD5 ETag of a single-part upload)
     * overrides this to return false, which skips that one test and documents the deviation.
     *
     * @return true unless the provider's ETag is a content hash
     */
    protected boolean etagChangesOnIdenticalRewrite() {
        return true;
    }

    /**
     * How many keys the listing test writes; enough to cross every provider's page size (1000 on S3 and Azure).
     *
     * @return the number of keys, default 1500
     */
    protected int manyKeys() {
        return 1500;
    }

    /**
     * How many parallel writers the race tests use.
     *
     * @return the number of racers, default 8
     */
    protected int racers() {
        return 8;
    }

    /**
     * How many rounds each race test runs (each round is one contested key or one contested ETag).
     *
     * @return the number of rounds, default 25
     */
    protected int raceRounds() {
        return 25;
    }

    /**
     * How many reads the read-race test runs against a concurrent replace or delete (half of each).
     *
     * @return the number of rounds, default 200
     */
    protected int readRaceRounds() {
        return 200;
    }

    /**
     * The store under test.
     *
     * @return the store opened for the current test
     */
    protected ObjectStore store() {
        return store;
    }

    @BeforeEach
    void openStore(TestInfo info) {
        String name = getClass().getSimpleName() + "-" + info.getTestMethod().map(m -> m.getName()).orElse("t") + "-" + System.nanoTime();
        store = createStore(name.toLowerCase(Locale.ROOT));
        assertThat(store).as("createStore must return a store").isNotNull();
    }

    @AfterEach
    void closeStore() {
        if (store != null) {
            store.close();
            store.close(); // idempotent
        }
    }

    // =============================================================================================== helpers

    /**
     * Deterministic pseudo-random bytes.
     *
     * @param size how many
     * @param seed the seed
     * @return the bytes
     */
    protected static byte[] bytes(int size, long seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    /**
     * A payload that emits {@code data} in buffers of the given sizes, cycling through them (0 emits an empty
     * buffer), fresh on every subscription.
     *
     * @param data the bytes
     * @param sizes buffer sizes to cycle through
     * @return the payload
     */
    protected static Payload chunked(byte[] data, int... sizes) {
        return Payload.of(() -> Flux.defer(() -> {
            List<ByteBuffer> out = new ArrayList<>();
            int pos = 0;
            int i = 0;
            while (pos < data.length) {
                int n = Math.min(sizes[i++ % sizes.length], data.length - pos);
                out.add(ByteBuffer.wrap(data, pos, n).slice().asReadOnlyBuffer());
                pos += n;
            }
            return Flux.fromIterable(out);
        }), data.length);
    }

    /**
     * Writes unconditionally and returns the store's answer.
     *
     * @param key the key
     * @param content the bytes
     * @return the new object's info
     */
    protected ObjectInfo put(String key, byte[] content) {
        ObjectInfo info = store.put(key, Payload.of(content), PutOptions.none()).block(TIMEOUT);
        assertThat(info).as("put %s returned no info", key).isNotNull();
        return info;
    }

    /**
     * Reads a whole object.
     *
     * @param key the key
     * @return the bytes
     */
    protected byte[] read(String key) {
        return read(key, ByteRange.ALL);
    }

    /**
     * Reads a range of an object.
     *
     * @param key the key
     * @param range the range
     * @return the bytes of the range
     */
    protected byte[] read(String key, ByteRange range) {
        return store.get(key, range).flatMap(c -> Buffers.join(c.body())).block(TIMEOUT);
    }

    /**
     * The keys listed under a prefix, in the order the store returned them.
     *
     * @param prefix the prefix
     * @return the keys
     */
    protected List<String> keys(String prefix) {
        return store.list(prefix).map(ObjectInfo::key).collectList().block(TIMEOUT);
    }

    /**
     * The error a publisher ends with; fails the test when it completes instead.
     *
     * @param publisher the publisher
     * @return the error
     */
    protected static Throwable errorOf(Publisher<?> publisher) {
        Throwable e = Flux.from(publisher).then(Mono.<Throwable>empty()).onErrorResume(Mono::just).block(TIMEOUT);
        if (e == null) {
            fail("expected an error signal, but the publisher completed");
        }
        return e;
    }

    /**
     * Asserts a publisher fails with a {@link StoreException} of the given code.
     *
     * @param publisher the publisher
     * @param code the expected code
     * @return the error
     */
    protected static StoreException storeError(Publisher<?> publisher, ErrorCode code) {
        Throwable e = errorOf(publisher);
        assertThat(e).as("error of code %s", code).isInstanceOf(StoreException.class);
        StoreException se = (StoreException) e;
        assertThat(se.code()).as("code of %s", se).isEqualTo(code);
        return se;
    }

    /**
     * Asserts a publisher fails because the key does not exist.
     *
     * @param publisher the publisher
     */
    protected static void assertNotFound(Publisher<?> publisher) {
        StoreException e = storeError(publisher, ErrorCode.STORE_NOT_FOUND);
        assertThat(e.isNotFound()).isTrue();
        assertThat(e.isTransient()).isFalse();
    }

    /**
     * Asserts a publisher fails because a write condition did not hold.
     *
     * @param publisher the publisher
     */
    protected static void assertPreconditionFailed(Publisher<?> publisher) {
        StoreException e = storeError(publisher, ErrorCode.STORE_PRECONDITION_FAILED);
        assertThat(e.isPreconditionFailed()).isTrue();
        assertThat(e.isTransient()).isFalse();
    }

    /**
     * Asserts an error is a checkpointer error that retrying cannot fix (not transient, not a lost condition, not
     * a missing key).
     *
     * @param e the error
     */
    protected static void assertRefusedPermanently(Throwable e) {
        assertThat(e).as("every store error is a CheckpointException").isInstanceOf(CheckpointException.class);
        if (e instanceof StoreException se) {
            assertThat(se.isTransient()).as("retrying cannot fix %s", se).isFalse();
            assertThat(se.isPreconditionFailed()).as("not a lost condition: %s", se).isFalse();
            assertThat(se.isNotFound()).as("not a missing key: %s", se).isFalse();
        }
    }

    /**
     * Asserts that calling {@code call} does not throw and that the publisher it returns fails with
     * {@link InvalidInputException}.
     *
     * @param what a description for failure messages
     * @param call makes the call under test
     */
    protected static void assertInvalid(String what, Supplier<? extends Publisher<?>> call) {
        Object[] holder = new Object[1];
        assertThatCode(() -> holder[0] = call.get()).as("%s must signal the error, not throw it", what).doesNotThrowAnyException();
        Throwable e = errorOf((Publisher<?>) holder[0]);
        assertThat(e).as(what).isInstanceOf(InvalidInputException.class);
        assertThat(((InvalidInputException) e).code()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
    }

    /**
     * Asserts an error is the one every store raises for a payload that lies about its length:
     * {@link InvalidInputException} with {@link ErrorCode#PAYLOAD_LENGTH_MISMATCH} (what
     * {@link dev.checkpointer.spi.VerifyingPayload} raises), whatever the store's SDK made of the aborted body.
     *
     * @param e the error
     */
    protected static void assertLengthLie(Throwable e) {
        assertThat(e).as("a length lie is refused with one error type").isInstanceOf(InvalidInputException.class);
        assertThat(((InvalidInputException) e).code()).as("code of %s", e).isEqualTo(ErrorCode.PAYLOAD_LENGTH_MISMATCH);
    }

    /**
     * Asserts two byte arrays are equal without printing megabytes on failure.
     *
     * @param actual the bytes read
     * @param expected the bytes written
     */
    protected static void assertSameBytes(byte[] actual, byte[] expected) {
        assertThat(actual).as("content").isNotNull();
        assertThat(actual.length).as("length").isEqualTo(expected.length);
        int mismatch = Arrays.mismatch(actual, expected);
        assertThat(mismatch).as("index of first differing byte").isEqualTo(-1);
    }

    /**
     * Lower-case hex SHA-256.
     *
     * @param b the bytes
     * @return 64 hex digits
     */
    protected static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static boolean causedBy(Throwable e, Throwable cause) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t == cause) {
                return true;
            }
        }
        return false;
    }

    /**
     * Runs {@code n} attempts at once from parallel threads and returns, per attempt, its index when it succeeded
     * or its error.
     */
    private List<Object> race(int n, IntFunction<Mono<?>> attempt) {
        Scheduler racers = Schedulers.newParallel("contract-race", n);
        try {
            return Flux.range(0, n)
                    .flatMap(i -> attempt.apply(i).subscribeOn(racers).<Object>thenReturn(i).onErrorResume(Mono::just), n)
                    .collectList()
                    .block(TIMEOUT);
        } finally {
            racers.dispose();
        }
    }

    private static List<Integer> winners(List<Object> outcomes) {
        return outcomes.stream().filter(Integer.class::isInstance).map(Integer.class::cast).toList();
    }

    private static void assertLosersLostTheCondition(List<Object> outcomes) {
        assertThat(outcomes.stream().filter(o -> !(o instanceof Integer)))
                .allSatisfy(e -> assertThat(e).isInstanceOfSatisfying(StoreException.class,
                        se -> assertThat(se.isPreconditionFailed()).as("loser's error %s", se).isTrue()));
    }

    private Capabilities caps() {
        return store.capabilities();
    }

    private void assumeConditionalWrites() {
        assumeTrue(caps().conditionalWrites(), "store has no conditional writes");
    }

    private void assumeMultipart() {
        assumeTrue(caps().multipart(), "store has no multipart uploads");
    }

    private long partSize() {
        return Math.max(caps().minPartSize(), 64 * KIB);
    }

    // =============================================================================================== capabilities

    @Test
    void capabilitiesAreStableAndAsExpected() {
        Capabilities first = store.capabilities();
        assertThat(first).isNotNull();
        assertThat(store.capabilities()).isEqualTo(first);
        assertThat(store.describe()).isNotBlank();
        assumeTrue(expectedCapabilities().isPresent(), "no expected capabilities given");
        assertThat(first).isEqualTo(expectedCapabilities().get());
    }

    @Test
    void aClosedStoreRefusesWorkWithTheClosedCode() {
        put("closed/k", new byte[] {1});
        store.close();
        store.close(); // idempotent
        List<Supplier<? extends Publisher<?>>> calls = List.of(
                () -> store.put("closed/k", Payload.of(new byte[] {2}), PutOptions.none()),
                () -> store.get("closed/k", ByteRange.ALL),
                () -> store.head("closed/k"),
                () -> store.list(""),
                () -> store.delete("closed/k"));
        for (Supplier<? extends Publisher<?>> call : calls) {
            Object[] holder = new Object[1];
            assertThatCode(() -> holder[0] = call.get()).as("a closed store signals errors, it does not throw them").doesNotThrowAnyException();
            Throwable e = errorOf((Publisher<?>) holder[0]);
            assertThat(e).isInstanceOf(CheckpointException.class);
            assertThat(((CheckpointException) e).code()).as("%s", e).isEqualTo(ErrorCode.CLOSED);
        }
    }

    // =============================================================================================== round trips

    @Test
    void anEmptyObjectRoundTrips() {
        ObjectInfo info = put("round/empty", new byte[0]);
        assertThat(info.key()).isEqualTo("round/empty");
        assertThat(info.size()).isZero();
        assertThat(read("round/empty")).isEmpty();
        assertThat(store.head("round/empty").block(TIMEOUT).size()).isZero();
        StepVerifier.create(store.get("round/empty", ByteRange.ALL).flatMapMany(ObjectContent::body).filter(ByteBuffer::hasRemaining))
                .expectComplete()
                .verify(TIMEOUT);
    }

    @Test
    void aOneByteObjectRoundTrips() {
        ObjectInfo info = put("round/one", new byte[] {42});
        assertThat(info.size()).isEqualTo(1);
        assertThat(read("round/one")).containsExactly(42);
    }

    @Test
    void aMultiMebibyteObjectStreamedFromManyBuffersRoundTrips() {
        byte[] data = bytes(6 * MIB + 7, 6);
        ObjectInfo info = store.put("round/large.bin", chunked(data, 1, 0, 4096, 65_537, 1_000_000, 333), PutOptions.none()).block(TIMEOUT);
        assertThat(info.size()).isEqualTo(data.length);
        assertSameBytes(read("round/large.bin"), data);
        // Read it back one buffer at a time: the body honours backpressure.
        byte[] slow = store.get("round/large.bin", ByteRange.ALL).flatMap(c -> Buffers.join(c.body().limitRate(1))).block(TIMEOUT);
        assertSameBytes(slow, data);
    }

    @Test
    void payloadBuffersMayBeReusedByTheProducerOnceOnNextReturns() {
        // Payload's contract: consumers must not rely on a buffer after onNext returns. This producer refills one
        // buffer for every emission and scribbles over it at the end; a store that keeps references sees garbage.
        int chunk = 64 * KIB;
        byte[] data = bytes(40 * chunk + 5, 40);
        Payload reusing = Payload.of(() -> Flux.defer(() -> {
            ByteBuffer shared = ByteBuffer.allocateDirect(chunk);
            return Flux.<ByteBuffer, Integer>generate(() -> 0, (pos, sink) -> {
                shared.clear();
                if (pos >= data.length) {
                    while (shared.hasRemaining()) {
                        shared.put((byte) 0x5a);
                    }
                    sink.complete();
                    return pos;
                }
                int n = Math.min(chunk, data.length - pos);
                shared.put(data, pos, n).flip();
                sink.next(shared.asReadOnlyBuffer());
                return pos + n;
            });
        }), data.length);
        store.put("round/reused", reusing, PutOptions.none()).block(TIMEOUT);
        assertSameBytes(read("round/reused"), data);
    }

    @Test
    void putReportsWhatHeadAndGetReport() {
        Instant before = Instant.now();
        byte[] data = bytes(12_345, 1);
        ObjectInfo put = put("meta/object", data);
        Instant after = Instant.now();
        assertThat(put.key()).isEqualTo("meta/object");
        assertThat(put.size()).isEqualTo(data.length);
        assertThat(put.etag()).isNotBlank();

        ObjectInfo head = store.head("meta/object").block(TIMEOUT);
        assertThat(head.key()).isEqualTo("meta/object");
        assertThat(head.size()).isEqualTo(data.length);
        assertThat(head.etag()).isEqualTo(put.etag());
        // Generous bounds: some stores keep whole seconds, emulators may run on another clock.
        assertThat(head.lastModified()).isBetween(before.minus(Duration.ofMinutes(2)), after.plus(Duration.ofMinutes(2)));

        ObjectContent content = store.get("meta/object", ByteRange.of(10, 5)).block(TIMEOUT);
        assertThat(content.info().key()).isEqualTo("meta/object");
        assertThat(content.info().size()).as("size is the whole object's, not the range's").isEqualTo(data.length);
        assertThat(content.info().etag()).isEqualTo(put.etag());
        assertThat(Buffers.join(content.body()).block(TIMEOUT)).containsExactly(Arrays.copyOfRange(data, 10, 15));
    }

    @Test
    void rangedGetsReturnTheRequestedBytes() {
        byte[] data = bytes(2 * MIB + 99, 2);
        put("range/object", data);
        int size = data.length;
        assertSameBytes(read("range/object", ByteRange.of(1000, 4000)), Arrays.copyOfRange(data, 1000, 5000));
        // crosses any read-chunk boundary a store may use
        assertSameBytes(read("range/object", ByteRange.of(300_000, MIB)), Arrays.copyOfRange(data, 300_000, 300_000 + MIB));
        assertSameBytes(read("range/object", ByteRange.of(size - 10, -1)), Arrays.copyOfRange(data, size - 10, size));
        assertSameBytes(read("range/object", ByteRange.of(size - 10, 1000)), Arrays.copyOfRange(data, size - 10, size));
        assertSameBytes(read("range/object", ByteRange.of(0, 1)), new byte[] {data[0]});
        assertSameBytes(read("range/object", ByteRange.of(size - 1, 1)), new byte[] {data[size - 1]});
        assertSameBytes(read("range/object", ByteRange.of(0, -1)), data);
        assertSameBytes(read("range/object", ByteRange.of(5, 0)), new byte[0]);
    }

    @Test
    void rangesStartingAtOrPastTheEndAreEmpty() {
        byte[] data = bytes(1000, 3);
        put("range/small", data);
        for (ByteRange r : List.of(ByteRange.of(1000, -1), ByteRange.of(1000, 10), ByteRange.of(1001, 10), ByteRange.of(5_000_000, -1))) {
            ObjectContent c = store.get("range/small", r).block(TIMEOUT);
            assertThat(c.info().size()).as("%s", r).isEqualTo(1000);
            assertThat(Buffers.join(c.body()).block(TIMEOUT)).as("%s", r).isEmpty();
        }
        put("range/empty", new byte[0]);
        assertThat(read("range/empty", ByteRange.of(0, 10))).isEmpty();
        assertThat(read("range/empty", ByteRange.of(3, -1))).isEmpty();
    }

    // =============================================================================================== missing keys

    @Test
    void missingKeysAreNotFound() {
        assertNotFound(store.get("missing/object", ByteRange.ALL));
        assertNotFound(store.head("missing/object"));
        assertNotFound(store.get("missing/object", ByteRange.of(10, 10)));
        put("missing/dir/child", new byte[] {1});
        put("missing/file", new byte[] {2});
        // A prefix of existing keys is not an object.
        assertNotFound(store.head("missing/dir"));
        assertNotFound(store.get("missing/dir", ByteRange.ALL));
        // Nor is a key "below" an object.
        assertNotFound(store.head("missing/file/below"));
        assertNotFound(store.get("missing/file/below", ByteRange.ALL));
        assertNotFound(store.head("nowhere/at/all"));
    }

    // =============================================================================================== list

    @Test
    void listReturnsKeysUnderThePrefixInLexicographicOrderWithSizes() {
        List<String> all = List.of("list/a", "list/b/c", "list/b/d", "list/b-c", "list/ba", "list-x", "list0", "lisu", "other/list/a");
        Map<String, Integer> sizes = new LinkedHashMap<>();
        for (int i = 0; i < all.size(); i++) {
            sizes.put(all.get(i), 10 + i);
            put(all.get(i), bytes(10 + i, i));
        }
        List<String> sorted = all.stream().sorted().toList();

        assertThat(keys("")).containsExactlyElementsOf(sorted);
        assertThat(keys("list/")).containsExactly("list/a", "list/b-c", "list/b/c", "list/b/d", "list/ba");
        // A prefix that ends inside a segment matches keys, not directories: '-' (0x2d) sorts before '/' (0x2f).
        assertThat(keys("list")).containsExactly("list-x", "list/a", "list/b-c", "list/b/c", "list/b/d", "list/ba", "list0");
        assertThat(keys("list/b")).containsExactly("list/b-c", "list/b/c", "list/b/d", "list/ba");
        assertThat(keys("list/b/")).containsExactly("list/b/c", "list/b/d");
        assertThat(keys("lis")).containsExactlyElementsOf(sorted.stream().filter(k -> k.startsWith("lis")).toList());
        assertThat(keys("list/a")).containsExactly("list/a");

        List<ObjectInfo> infos = store.list("").collectList().block(TIMEOUT);
        for (ObjectInfo info : infos) {
            assertThat(info.size()).as("size of %s", info.key()).isEqualTo((long) sizes.get(info.key()));
            ObjectInfo head = store.head(info.key()).block(TIMEOUT);
            assertThat(info.etag()).as("listed ETag of %s", info.key()).isEqualTo(head.etag());
            assertThat(info.lastModified()).isNotNull();
        }
    }

    @Test
    void listOfAnEmptyOrUnknownPrefixIsEmpty() {
        StepVerifier.create(store.list("")).expectComplete().verify(TIMEOUT);
        put("known/a", new byte[] {1});
        StepVerifier.create(store.list("nope")).expectComplete().verify(TIMEOUT);
        StepVerifier.create(store.list("nope/")).expectComplete().verify(TIMEOUT);
        StepVerifier.create(store.list("known/a/")).as("an object is not a directory").expectComplete().verify(TIMEOUT);
        StepVerifier.create(store.list("known/b")).expectComplete().verify(TIMEOUT);
        StepVerifier.create(store.list("knownx")).expectComplete().verify(TIMEOUT);
    }

    @Test
    void listIsLazyAndOrderedOverManyKeysAndDeleteAllRemovesThem() {
        int n = manyKeys();
        List<String> many = IntStream.range(0, n)
                .mapToObj(i -> i % 10 == 3 ? String.format("many/sub/%05d", i) : String.format("many/%05d", i))
                .toList();
        List<String> outside = List.of("man", "many-x", "manz");
        Flux.fromIterable(many).concatWith(Flux.fromIterable(outside))
                .flatMap(k -> store.put(k, Payload.of(k.getBytes(StandardCharsets.UTF_8)), PutOptions.none()), 32)
                .then()
                .block(TIMEOUT.multipliedBy(4));
        List<String> expected = many.stream().sorted().toList();

        assertThat(keys("many/")).containsExactlyElementsOf(expected);
        assertThat(store.list("many/").map(ObjectInfo::size).distinct().collectList().block(TIMEOUT)).containsExactly(10L, 14L);
        // Lazy: it emits what is requested, no more, and can be cancelled part way.
        StepVerifier.create(store.list("many/"), 0)
                .expectSubscription()
                .thenRequest(1)
                .expectNextMatches(info -> info.key().equals(expected.get(0)))
                .thenRequest(10)
                .expectNextCount(10)
                .thenCancel()
                .verify(TIMEOUT);
        assertThat(store.list("many/").take(3).map(ObjectInfo::key).collectList().block(TIMEOUT)).containsExactlyElementsOf(expected.subList(0, 3));
        // Cold: a second subscription lists again.
        assertThat(store.list("many/sub/").count().block(TIMEOUT)).isEqualTo(many.stream().filter(k -> k.startsWith("many/sub/")).count());

        List<String> doomed = new ArrayList<>(many);
        doomed.add("many/never-written");
        doomed.add("elsewhere/never-written");
        store.deleteAll(doomed).block(TIMEOUT.multipliedBy(4));
        assertThat(keys("many/")).isEmpty();
        assertThat(keys("")).containsExactly("man", "many-x", "manz");
    }

    // =============================================================================================== delete

    @Test
    void deleteIsIdempotent() {
        put("del/a", new byte[] {1, 2});
        store.delete("del/a").block(TIMEOUT);
        assertNotFound(store.head("del/a"));
        assertThat(keys("del/")).isEmpty();
        store.delete("del/a").block(TIMEOUT);
        store.delete("del/never/existed").block(TIMEOUT);
        store.delete("nowhere").block(TIMEOUT);
    }

    @Test
    void deletingAPrefixOfOtherKeysRemovesNothing() {
        put("del/dir/child", new byte[] {1});
        store.delete("del/dir").block(TIMEOUT);
        store.delete("del").block(TIMEOUT);
        assertThat(keys("")).containsExactly("del/dir/child");
        assertThat(read("del/dir/child")).containsExactly(1);
    }

    @Test
    void deleteAllRemovesPresentKeysAndIgnoresMissingOnes() {
        for (String k : List.of("da/1", "da/2", "da/sub/3", "da/keep")) {
            put(k, k.getBytes(StandardCharsets.UTF_8));
        }
        store.deleteAll(List.of("da/1", "da/nope", "da/sub/3", "db/none/x", "da/2", "da/1")).block(TIMEOUT);
        assertThat(keys("")).containsExactly("da/keep");
        store.deleteAll(List.of()).block(TIMEOUT);
        store.deleteAll(List.of("da/1", "da/2")).block(TIMEOUT);
        assertThat(keys("")).containsExactly("da/keep");
    }

    // =============================================================================================== ETags and conditions

    @Test
    void theEtagChangesOnEveryOverwrite() {
        Set<String> etags = new HashSet<>();
        ObjectInfo last = null;
        for (int i = 0; i < 6; i++) {
            last = put("etag/k", bytes(100 + i, i));
            etags.add(last.etag());
        }
        assertThat(etags).hasSize(6);
        assertThat(store.head("etag/k").block(TIMEOUT).etag()).isEqualTo(last.etag());
        assertThat(read("etag/k")).isEqualTo(bytes(105, 5));
    }

    @Test
    void theEtagChangesEvenWhenTheSameBytesAreWrittenAgain() {
        assumeTrue(etagChangesOnIdenticalRewrite(), "this provider's ETag is a content hash");
        byte[] same = bytes(64, 7);
        Set<String> etags = new HashSet<>();
        for (int i = 0; i < 6; i++) {
            etags.add(put("etag/same", same).etag());
        }
        assertThat(etags).hasSize(6);
        // ... and after a delete, a re-created object does not get a previous ETag back.
        store.delete("etag/same").block(TIMEOUT);
        assertThat(etags).doesNotContain(put("etag/same", same).etag());
    }

    @Test
    void createIfAbsentRefusesASecondCreate() {
        assumeConditionalWrites();
        ObjectInfo first = store.put("cond/once", Payload.of(new byte[] {1}), PutOptions.ifAbsent()).block(TIMEOUT);
        assertThat(first.size()).isEqualTo(1);
        assertPreconditionFailed(store.put("cond/once", Payload.of(new byte[] {2, 2}), PutOptions.ifAbsent()));
        assertThat(read("cond/once")).containsExactly(1);
        assertThat(store.head("cond/once").block(TIMEOUT).etag()).isEqualTo(first.etag());
    }

    @Test
    void aDeletedKeyCanBeCreatedAgainIfAbsent() {
        assumeConditionalWrites();
        store.put("cond/again", Payload.of(new byte[] {1}), PutOptions.ifAbsent()).block(TIMEOUT);
        store.delete("cond/again").block(TIMEOUT);
        store.put("cond/again", Payload.of(new byte[] {2}), PutOptions.ifAbsent()).block(TIMEOUT);
        assertThat(read("cond/again")).containsExactly(2);
    }

    @Test
    void concurrentCreatesIfAbsentHaveExactlyOneWinner() {
        assumeConditionalWrites();
        int n = racers();
        for (int round = 0; round < raceRounds(); round++) {
            String key = "race/absent-" + round;
            List<Object> outcomes = race(n, i -> store.put(key, Payload.of(bytes(100 + i, i)), PutOptions.ifAbsent()));
            List<Integer> won = winners(outcomes);
            assertThat(won).as("round %d: %s", round, outcomes).hasSize(1);
            assertLosersLostTheCondition(outcomes);
            int w = won.get(0);
            assertSameBytes(read(key), bytes(100 + w, w));
        }
    }

    @Test
    void ifMatchSucceedsWithTheCurrentEtagOnly() {
        assumeConditionalWrites();
        ObjectInfo v1 = put("cas/k", bytes(10, 1));
        ObjectInfo v2 = store.put("cas/k", Payload.of(bytes(20, 2)), PutOptions.ifMatch(v1.etag())).block(TIMEOUT);
        assertThat(v2.etag()).isNotEqualTo(v1.etag());
        assertThat(read("cas/k")).isEqualTo(bytes(20, 2));

        assertPreconditionFailed(store.put("cas/k", Payload.of(bytes(30, 3)), PutOptions.ifMatch(v1.etag())));
        assertThat(read("cas/k")).isEqualTo(bytes(20, 2));
        assertThat(store.head("cas/k").block(TIMEOUT).etag()).isEqualTo(v2.etag());

        // ETags from head and from get work as well as the one put returned.
        String fromHead = store.head("cas/k").block(TIMEOUT).etag();
        ObjectInfo v3 = store.put("cas/k", Payload.of(bytes(30, 3)), PutOptions.ifMatch(fromHead)).block(TIMEOUT);
        ObjectContent content = store.get("cas/k", ByteRange.ALL).block(TIMEOUT);
        assertThat(Buffers.join(content.body()).block(TIMEOUT)).isEqualTo(bytes(30, 3));
        assertThat(content.info().etag()).isEqualTo(v3.etag());
        store.put("cas/k", Payload.of(bytes(40, 4)), PutOptions.ifMatch(content.info().etag())).block(TIMEOUT);
        assertThat(read("cas/k")).isEqualTo(bytes(40, 4));
    }

    @Test
    void ifMatchOnAMissingKeyFails() {
        assumeConditionalWrites();
        assertPreconditionFailed(store.put("cas/missing", Payload.of(new byte[] {1}), PutOptions.ifMatch("some-etag")));
        assertNotFound(store.head("cas/missing"));
        ObjectInfo gone = put("cas/deleted", new byte[] {1});
        store.delete("cas/deleted").block(TIMEOUT);
        assertPreconditionFailed(store.put("cas/deleted", Payload.of(new byte[] {2}), PutOptions.ifMatch(gone.etag())));
        assertNotFound(store.head("cas/deleted"));
    }

    @Test
    void concurrentIfMatchWritesHaveExactlyOneWinner() {
        assumeConditionalWrites();
        int n = racers();
        String etag = put("race/cas", new byte[] {0}).etag();
        for (int round = 1; round <= raceRounds(); round++) {
            String expected = etag;
            int r = round;
            List<Object> outcomes = race(n, i -> store.put("race/cas", Payload.of(bytes(100 + i, r * 100L + i)), PutOptions.ifMatch(expected)));
            List<Integer> won = winners(outcomes);
            assertThat(won).as("round %d: %s", round, outcomes).hasSize(1);
            assertLosersLostTheCondition(outcomes);
            int w = won.get(0);
            assertSameBytes(read("race/cas"), bytes(100 + w, r * 100L + w));
            etag = store.head("race/cas").block(TIMEOUT).etag();
            assertThat(etag).isNotEqualTo(expected);
        }
    }

    /**
     * A read racing a replacement or a deletion of its object sees one whole version: the bytes before, the bytes
     * after, or not-found (a transient error is accepted too: the engine retries it). Never a mixture, a short body,
     * or a body that does not end: a store or emulator that streams a version other than the one its headers
     * announced (S3Mock did, until its bodies were written on its request thread) stalls the reader for its whole
     * read timeout, and the engine's rounds with it.
     */
    @Test
    void aReadRacingAReplaceOrADeleteSeesOneWholeVersion() {
        Scheduler racers = Schedulers.newParallel("contract-read-race", 2);
        try {
            for (int r = 0; r < readRaceRounds(); r++) {
                int round = r;
                String key = "race/read-" + round;
                boolean delete = round % 2 == 1;
                byte[] before = bytes(3000 + round % 7, round);
                byte[] after = bytes(1000 + round % 5, 1_000_000L + round);
                put(key, before);
                Mono<Object> read = store.get(key, ByteRange.ALL).flatMap(c -> Buffers.join(c.body())).<Object>map(b -> b)
                        .onErrorResume(Mono::just).subscribeOn(racers);
                Mono<Boolean> write = (delete ? store.delete(key) : store.put(key, Payload.of(after), PutOptions.none()).then())
                        .thenReturn(true).subscribeOn(racers);
                Object outcome;
                try {
                    outcome = Mono.zip(read, write).map(t -> t.getT1()).block(TIMEOUT);
                } catch (IllegalStateException timedOut) {
                    throw new AssertionError("round " + round + ": a read racing a " + (delete ? "delete" : "replace")
                            + " did not end within " + TIMEOUT, timedOut);
                }
                if (outcome instanceof byte[] b) {
                    boolean whole = Arrays.equals(b, before) || (!delete && Arrays.equals(b, after));
                    assertThat(whole).as("round %d (%s): read %d bytes, neither version (%d or %d bytes)", round,
                            delete ? "delete" : "replace", b.length, before.length, after.length).isTrue();
                } else {
                    assertThat(outcome).as("round %d (%s)", round, delete ? "delete" : "replace").isInstanceOfSatisfying(StoreException.class,
                            e -> assertThat(e.isTransient() || (delete && e.isNotFound())).as("round %d: %s", round, e).isTrue());
                }
            }
        } finally {
            racers.dispose();
        }
    }

    // =============================================================================================== bad payloads

    @Test
    void aPayloadFailingMidStreamLeavesNothingVisible() {
        RuntimeException boom = new IllegalStateException("source broke after 100000 bytes");
        Payload failing = Payload.of(() -> Flux.concat(Flux.just(ByteBuffer.wrap(bytes(100_000, 1))), Flux.error(boom)), 300_000);
        Throwable e = errorOf(store.put("fail/new", failing, PutOptions.none()));
        assertRefusedPermanently(e);
        assertThat(causedBy(e, boom)).as("the payload's error is kept as the cause of %s", e).isTrue();
        assertNotFound(store.head("fail/new"));
        assertThat(keys("")).isEmpty();
        if (caps().conditionalWrites()) {
            // nothing half-written reserves the key
            store.put("fail/new", Payload.of(new byte[] {1}), PutOptions.ifAbsent()).block(TIMEOUT);
            assertThat(read("fail/new")).containsExactly(1);
        }
    }

    @Test
    void aPayloadFailingMidStreamLeavesTheOldValueIntact() {
        byte[] old = bytes(5000, 5);
        ObjectInfo v1 = put("fail/old", old);
        RuntimeException boom = new IllegalStateException("source broke");
        Payload failing = Payload.of(() -> Flux.concat(Flux.just(ByteBuffer.wrap(bytes(2000, 1)), ByteBuffer.wrap(bytes(2000, 2))), Flux.error(boom)), 9000);
        assertRefusedPermanently(errorOf(store.put("fail/old", failing, PutOptions.none())));
        assertThat(read("fail/old")).isEqualTo(old);
        assertThat(store.head("fail/old").block(TIMEOUT).etag()).isEqualTo(v1.etag());
        if (caps().conditionalWrites()) {
            assertRefusedPermanently(errorOf(store.put("fail/old", failing, PutOptions.ifMatch(v1.etag()))));
            assertThat(read("fail/old")).isEqualTo(old);
            assertThat(store.head("fail/old").block(TIMEOUT).etag()).isEqualTo(v1.etag());
        }
        assertThat(keys("")).containsExactly("fail/old");
    }

    @Test
    void aPayloadProducingFewerBytesThanDeclaredIsRefused() {
        Payload shortOne = Payload.of(() -> Flux.just(ByteBuffer.wrap(bytes(1000, 1))), 2000);
        assertLengthLie(errorOf(store.put("liar/short", shortOne, PutOptions.none())));
        assertNotFound(store.head("liar/short"));
        Payload nothing = Payload.of(Flux::empty, 1);
        assertLengthLie(errorOf(store.put("liar/nothing", nothing, PutOptions.none())));
        assertNotFound(store.head("liar/nothing"));

        byte[] old = bytes(300, 3);
        put("liar/old", old);
        assertLengthLie(errorOf(store.put("liar/old", shortOne, PutOptions.none())));
        assertThat(read("liar/old")).isEqualTo(old);
        assertThat(keys("")).containsExactly("liar/old");
    }

    @Test
    void aPayloadProducingMoreBytesThanDeclaredIsRefused() {
        Payload longOne = Payload.of(() -> Flux.just(ByteBuffer.wrap(bytes(1000, 1)), ByteBuffer.wrap(bytes(1000, 2))), 1500);
        assertLengthLie(errorOf(store.put("liar/long", longOne, PutOptions.none())));
        assertNotFound(store.head("liar/long"));
        Payload notEmpty = Payload.of(() -> Flux.just(ByteBuffer.wrap(new byte[] {1})), 0);
        assertLengthLie(errorOf(store.put("liar/not-empty", notEmpty, PutOptions.none())));
        assertNotFound(store.head("liar/not-empty"));

        byte[] old = bytes(300, 3);
        put("liar/old", old);
        assertLengthLie(errorOf(store.put("liar/old", longOne, PutOptions.none())));
        assertThat(read("liar/old")).isEqualTo(old);
        assertThat(keys("")).containsExactly("liar/old");
    }

    @Test
    void aCancelledPutLeavesNothingVisible() {
        CountDownLatch started = new CountDownLatch(1);
        Payload endless = Payload.of(() -> Flux.concat(Flux.just(ByteBuffer.wrap(bytes(64 * KIB, 1))).doOnComplete(started::countDown),
                Flux.<ByteBuffer>never()), MIB);
        StepVerifier.create(store.put("cancel/me", endless, PutOptions.none()))
                .expectSubscription()
                .then(() -> {
                    try {
                        assertThat(started.await(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)).as("payload was read").isTrue();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new IllegalStateException(e);
                    }
                })
                .thenCancel()
                .verify(TIMEOUT);
        assertNotFound(store.head("cancel/me"));
        assertThat(keys("")).isEmpty();
        if (caps().conditionalWrites()) {
            store.put("cancel/me", Payload.of(new byte[] {7}), PutOptions.ifAbsent()).block(TIMEOUT);
            assertThat(read("cancel/me")).containsExactly(7);
        }
    }

    @Test
    void aCorrectDeclaredSha256IsAccepted() {
        byte[] data = bytes(70_000, 8);
        ObjectInfo info = store.put("sha/good", chunked(data, 10_000), PutOptions.none().withSha256(sha256(data))).block(TIMEOUT);
        assertThat(info.size()).isEqualTo(data.length);
        assertSameBytes(read("sha/good"), data);
        if (caps().conditionalWrites()) {
            store.put("sha/good-absent", Payload.of(data), PutOptions.ifAbsent().withSha256(sha256(data))).block(TIMEOUT);
            assertSameBytes(read("sha/good-absent"), data);
        }
    }

    @Test
    void aWrongDeclaredSha256IsRefusedAndNothingIsWritten() {
        assumeTrue(caps().nativeChecksums(), "store does not verify checksums on upload");
        byte[] data = bytes(70_000, 8);
        byte[] other = bytes(70_000, 9);
        storeError(store.put("sha/bad", Payload.of(data), PutOptions.none().withSha256(sha256(other))), ErrorCode.STORE_BAD_REQUEST);
        assertNotFound(store.head("sha/bad"));

        ObjectInfo v1 = put("sha/old", other);
        storeError(store.put("sha/old", chunked(data, 7000), PutOptions.none().withSha256(sha256(other))), ErrorCode.STORE_BAD_REQUEST);
        assertSameBytes(read("sha/old"), other);
        assertThat(store.head("sha/old").block(TIMEOUT).etag()).isEqualTo(v1.etag());
        assertThat(keys("")).containsExactly("sha/old");
    }

    // =============================================================================================== keys

    @Test
    void unusualButValidKeysRoundTripThroughList() {
        String deep = "odd/" + IntStream.rangeClosed(1, 20).mapToObj(i -> "d" + i).collect(Collectors.joining("/")) + "/leaf";
        List<String> odd = List.of(
                "odd/with space",
                "odd/two  spaces inside",
                "odd/caf\u00e9/\u65e5\u672c\u8a9e/\u00fc\u00f1\u00ee\u00e7\u00f8d\u00e9",
                "odd/emoji-\uD83D\uDE00",
                "odd/100%",
                "odd/%2e%2e/%2F",
                "odd/a+b=c&d",
                "odd/semi;colon,comma@at$dollar",
                "odd/quote'bang!(paren)",
                "odd/hash#tag",
                "odd/.hidden",
                "odd/~tilde",
                deep);
        for (String k : odd) {
            ObjectInfo info = put(k, k.getBytes(StandardCharsets.UTF_8));
            assertThat(info.key()).isEqualTo(k);
        }
        assertThat(keys("odd/")).containsExactlyElementsOf(odd.stream().sorted().toList());
        for (String k : odd) {
            assertThat(new String(read(k), StandardCharsets.UTF_8)).isEqualTo(k);
            assertThat(store.head(k).block(TIMEOUT).key()).isEqualTo(k);
        }
        assertThat(keys("odd/caf\u00e9/")).containsExactly("odd/caf\u00e9/\u65e5\u672c\u8a9e/\u00fc\u00f1\u00ee\u00e7\u00f8d\u00e9");
        assertThat(keys("odd/%")).containsExactly("odd/%2e%2e/%2F");
        assertThat(keys("odd/d1/d2/")).containsExactly(deep);
        store.deleteAll(odd).block(TIMEOUT);
        assertThat(keys("")).isEmpty();
    }

    @Test
    void invalidKeysAreRefusedBeforeAnyIo() {
        List<String> invalid = List.of("", "/abs", "..", ".", "../up", "a/../b", "a/./b", "a/..", "back\\slash", "nul\u0000byte",
                "bell\u0007", "line\nbreak", "del\u007f", "double//slash", "trailing/", "x".repeat(StoreKeys.MAX_KEY_BYTES + 1));
        AtomicInteger subscriptions = new AtomicInteger();
        Payload counted = Payload.of(() -> {
            subscriptions.incrementAndGet();
            return Flux.just(ByteBuffer.wrap(new byte[] {1}));
        }, 1);
        for (String key : invalid) {
            String shown = key.length() > 40 ? key.substring(0, 40) + "…" : key;
            assertInvalid("put '" + shown + "'", () -> store.put(key, counted, PutOptions.none()));
            assertInvalid("get '" + shown + "'", () -> store.get(key, ByteRange.ALL));
            assertInvalid("head '" + shown + "'", () -> store.head(key));
            assertInvalid("delete '" + shown + "'", () -> store.delete(key));
            assertInvalid("deleteAll '" + shown + "'", () -> store.deleteAll(List.of(key)));
            if (caps().conditionalWrites()) {
                assertInvalid("put if absent '" + shown + "'", () -> store.put(key, counted, PutOptions.ifAbsent()));
            }
            if (caps().multipart()) {
                assertInvalid("startMultipart '" + shown + "'", () -> store.startMultipart(key, PutOptions.none()));
            }
        }
        assertThat(subscriptions.get()).as("payloads subscribed for invalid keys").isZero();
        assertThat(keys("")).isEmpty();
    }

    @Test
    void invalidPrefixesAreRefused() {
        for (String prefix : List.of("/abs", "..", "../", "a/../b", "a/./", "back\\slash", "ctl\u0001", "double//")) {
            assertInvalid("list '" + prefix + "'", () -> store.list(prefix));
        }
    }

    @Test
    void deleteAllWithAnInvalidKeyDeletesNothing() {
        put("keep/a", new byte[] {1});
        put("keep/b", new byte[] {2});
        assertInvalid("deleteAll with '../x'", () -> store.deleteAll(List.of("keep/a", "../x", "keep/b")));
        assertThat(keys("")).containsExactly("keep/a", "keep/b");
    }

    // =============================================================================================== multipart

    @Test
    void multipartPartsUploadedOutOfOrderAndConcurrentlyCompleteInNumberOrder() {
        assumeMultipart();
        assumeTrue(caps().maxParts() >= 4, "needs 4 parts");
        int ps = (int) partSize();
        byte[][] parts = {bytes(ps, 1), bytes(ps, 2), bytes(ps, 3), bytes(1234, 4)};
        MultipartUpload upload = store.startMultipart("mpu/object", PutOptions.none()).block(TIMEOUT);
        assertThat(upload.key()).isEqualTo("mpu/object");
        Scheduler parallel = Schedulers.newParallel("contract-parts", 4);
        List<PartInfo> infos;
        try {
            infos = Flux.just(3, 1, 4, 2)
                    .flatMap(n -> upload.uploadPart(n, chunked(parts[n - 1], 10_000, 50_000)).subscribeOn(parallel), 4)
                    .collectList().block(TIMEOUT);
        } finally {
            parallel.dispose();
        }
        assertThat(infos).extracting(PartInfo::number).containsExactlyInAnyOrder(1, 2, 3, 4);
        for (PartInfo p : infos) {
            assertThat(p.size()).as("part %d", p.number()).isEqualTo(parts[p.number() - 1].length);
        }
        assertNotFound(store.head("mpu/object"));
        assertThat(keys("")).as("nothing is visible before complete").isEmpty();

        List<PartInfo> sorted = infos.stream().sorted(Comparator.comparingInt(PartInfo::number)).toList();
        ObjectInfo info = upload.complete(sorted).block(TIMEOUT);
        byte[] whole = concat(parts);
        assertThat(info.key()).isEqualTo("mpu/object");
        assertThat(info.size()).isEqualTo(whole.length);
        assertThat(store.head("mpu/object").block(TIMEOUT).etag()).isEqualTo(info.etag());
        assertSameBytes(read("mpu/object"), whole);
        assertThat(keys("")).containsExactly("mpu/object");
    }

    @Test
    void aRetriedPartReplacesTheEarlierUpload() {
        assumeMultipart();
        assumeTrue(caps().maxParts() >= 2, "needs 2 parts");
        int ps = (int) partSize();
        MultipartUpload upload = store.startMultipart("mpu/retried", PutOptions.none()).block(TIMEOUT);
        upload.uploadPart(1, Payload.of(bytes(ps, 1))).block(TIMEOUT);
        PartInfo two = upload.uploadPart(2, Payload.of(bytes(500, 2))).block(TIMEOUT);
        PartInfo oneAgain = upload.uploadPart(1, Payload.of(bytes(ps, 11))).block(TIMEOUT);
        upload.complete(List.of(oneAgain, two)).block(TIMEOUT);
        assertSameBytes(read("mpu/retried"), concat(new byte[][] {bytes(ps, 11), bytes(500, 2)}));
    }

    @Test
    void anAbortedUploadLeavesNothingVisible() {
        assumeMultipart();
        MultipartUpload upload = store.startMultipart("mpu/aborted", PutOptions.none()).block(TIMEOUT);
        PartInfo p = upload.uploadPart(1, Payload.of(bytes(1000, 1))).block(TIMEOUT);
        upload.abort().block(TIMEOUT);
        upload.abort().block(TIMEOUT); // idempotent
        assertNotFound(store.head("mpu/aborted"));
        assertThat(keys("")).isEmpty();
        errorOf(upload.complete(List.of(p)));
        assertNotFound(store.head("mpu/aborted"));
        assertThat(keys("")).isEmpty();
    }

    @Test
    void aSinglePartUploadWorks() {
        assumeMultipart();
        MultipartUpload upload = store.startMultipart("mpu/single", PutOptions.none()).block(TIMEOUT);
        byte[] data = bytes(777, 7);
        PartInfo p = upload.uploadPart(1, Payload.of(data)).block(TIMEOUT);
        assertThat(upload.complete(List.of(p)).block(TIMEOUT).size()).isEqualTo(777);
        assertSameBytes(read("mpu/single"), data);
    }

    @Test
    void completingUnderIfAbsentFailsWhenTheKeyExists() {
        assumeMultipart();
        assumeConditionalWrites();
        byte[] existing = bytes(100, 1);
        put("mpu/exists", existing);
        MultipartUpload upload = store.startMultipart("mpu/exists", PutOptions.ifAbsent()).block(TIMEOUT);
        PartInfo p = upload.uploadPart(1, Payload.of(bytes(2000, 2))).block(TIMEOUT);
        assertPreconditionFailed(upload.complete(List.of(p)));
        assertThat(read("mpu/exists")).isEqualTo(existing);
        upload.abort().block(TIMEOUT);
        assertThat(read("mpu/exists")).isEqualTo(existing);

        MultipartUpload fresh = store.startMultipart("mpu/absent", PutOptions.ifAbsent()).block(TIMEOUT);
        PartInfo q = fresh.uploadPart(1, Payload.of(bytes(2000, 3))).block(TIMEOUT);
        fresh.complete(List.of(q)).block(TIMEOUT);
        assertSameBytes(read("mpu/absent"), bytes(2000, 3));
    }

    @Test
    void completingUnderIfMatchHonoursTheEtag() {
        assumeMultipart();
        assumeConditionalWrites();
        ObjectInfo v1 = put("mpu/cas", bytes(100, 1));
        MultipartUpload stale = store.startMultipart("mpu/cas", PutOptions.ifMatch(v1.etag())).block(TIMEOUT);
        PartInfo p = stale.uploadPart(1, Payload.of(bytes(300, 2))).block(TIMEOUT);
        ObjectInfo v2 = put("mpu/cas", bytes(200, 3));
        assertPreconditionFailed(stale.complete(List.of(p)));
        assertThat(read("mpu/cas")).isEqualTo(bytes(200, 3));
        stale.abort().block(TIMEOUT);

        MultipartUpload current = store.startMultipart("mpu/cas", PutOptions.ifMatch(v2.etag())).block(TIMEOUT);
        PartInfo q = current.uploadPart(1, Payload.of(bytes(400, 4))).block(TIMEOUT);
        ObjectInfo v3 = current.complete(List.of(q)).block(TIMEOUT);
        assertThat(v3.etag()).isNotEqualTo(v2.etag());
        assertThat(read("mpu/cas")).isEqualTo(bytes(400, 4));
    }

    @Test
    void startMultipartIsRefusedWhenUnsupported() {
        assumeFalse(caps().multipart(), "store supports multipart uploads");
        storeError(store.startMultipart("mpu/none", PutOptions.none()), ErrorCode.STORE_UNSUPPORTED);
    }

    // =============================================================================================== cleanup

    @Test
    void cleanupIncompleteNeverTouchesCommittedObjects() {
        put("clean/a", new byte[] {1});
        put("clean/sub/b", new byte[] {2});
        store.cleanupIncomplete("", Instant.now().plus(Duration.ofHours(1))).collectList().block(TIMEOUT);
        store.cleanupIncomplete("clean/", Instant.EPOCH).collectList().block(TIMEOUT);
        store.cleanupIncomplete("nothing/here/", Instant.now().plus(Duration.ofHours(1))).collectList().block(TIMEOUT);
        assertThat(keys("")).containsExactly("clean/a", "clean/sub/b");
        assertThat(read("clean/sub/b")).containsExactly(2);
    }

    @Test
    void cleanupIncompleteRemovesStaleUploadsUnderThePrefixOnly() {
        assumeMultipart();
        MultipartUpload survivor = store.startMultipart("mpu-clean/a", PutOptions.none()).block(TIMEOUT);
        PartInfo sp = survivor.uploadPart(1, Payload.of(bytes(100, 1))).block(TIMEOUT);
        MultipartUpload stale = store.startMultipart("mpu-clean/b", PutOptions.none()).block(TIMEOUT);
        PartInfo tp = stale.uploadPart(1, Payload.of(bytes(100, 2))).block(TIMEOUT);

        // too young, and outside the prefix: kept
        store.cleanupIncomplete("", Instant.EPOCH).collectList().block(TIMEOUT);
        store.cleanupIncomplete("elsewhere/", Instant.now().plus(Duration.ofHours(1))).collectList().block(TIMEOUT);
        List<String> removed = store.cleanupIncomplete("mpu-clean/b", Instant.now().plus(Duration.ofHours(1))).collectList().block(TIMEOUT);
        assertThat(removed).as("descriptions of what was removed").isNotEmpty();

        survivor.complete(List.of(sp)).block(TIMEOUT);
        assertThat(read("mpu-clean/a")).isEqualTo(bytes(100, 1));
        errorOf(stale.complete(List.of(tp)));
        assertNotFound(store.head("mpu-clean/b"));
        assertThat(keys("")).containsExactly("mpu-clean/a");
    }

    private static byte[] concat(byte[][] parts) {
        int total = 0;
        for (byte[] p : parts) {
            total += p.length;
        }
        byte[] out = new byte[total];
        int off = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, off, p.length);
            off += p.length;
        }
        return out;
    }
}
