package dev.checkpointer.store.filesystem;

import dev.checkpointer.store.filesystem.internal.FsObjectStore;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.checkpointer.CheckpointException;
import dev.checkpointer.ErrorCode;
import dev.checkpointer.InvalidInputException;
import dev.checkpointer.Payload;
import dev.checkpointer.StoreException;
import dev.checkpointer.spi.Buffers;
import dev.checkpointer.spi.ByteRange;
import dev.checkpointer.spi.MultipartUpload;
import dev.checkpointer.spi.ObjectContent;
import dev.checkpointer.spi.ObjectInfo;
import dev.checkpointer.spi.ObjectStore;
import dev.checkpointer.spi.PartInfo;
import dev.checkpointer.spi.PutOptions;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/** What the filesystem store promises beyond the SPI contract: containment, layout, crash debris, locking. */
class FileSystemObjectStoreTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    @TempDir
    Path parent;

    private Path root;
    private Path outside;
    private final List<ObjectStore> stores = new ArrayList<>();
    private ObjectStore store;

    @BeforeEach
    void setUp() throws IOException {
        root = parent.resolve("store");
        outside = Files.createDirectories(parent.resolve("outside"));
        Files.writeString(outside.resolve("secret"), "top secret");
        store = open(FileSystemStore.builder(root));
    }

    @AfterEach
    void tearDown() {
        stores.forEach(ObjectStore::close);
    }

    private ObjectStore open(FileSystemStore.Builder b) {
        ObjectStore s = b.build();
        stores.add(s);
        return s;
    }

    private static byte[] bytes(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static ObjectInfo put(ObjectStore s, String key, byte[] content) {
        return s.put(key, Payload.of(content), PutOptions.none()).block(TIMEOUT);
    }

    private static Throwable errorOf(Publisher<?> p) {
        Throwable e = Flux.from(p).then(Mono.<Throwable>empty()).onErrorResume(Mono::just).block(TIMEOUT);
        assertThat(e).as("expected an error").isNotNull();
        return e;
    }

    private static void assertCode(Publisher<?> p, ErrorCode code) {
        Throwable e = errorOf(p);
        assertThat(e).isInstanceOf(CheckpointException.class);
        assertThat(((CheckpointException) e).code()).as("%s", e).isEqualTo(code);
    }

    private List<String> keys(String prefix) {
        return store.list(prefix).map(ObjectInfo::key).collectList().block(TIMEOUT);
    }

    private List<Path> tempFiles() throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(p -> p.getFileName().toString().startsWith(".checkpointer-tmp-")).toList();
        }
    }

    private List<String> outsideFiles() throws IOException {
        try (Stream<Path> s = Files.walk(outside)) {
            return s.filter(Files::isRegularFile).map(p -> outside.relativize(p).toString()).sorted().toList();
        }
    }

    // =============================================================================================== layout

    @Test
    void keysArePlainFilesUnderTheRootAndNoTempFilesRemain() throws IOException {
        byte[] data = bytes(300_000, 1);
        put(store, "a/b.bin", data);
        store.put("a/c", Payload.of(new byte[] {1}), PutOptions.ifAbsent()).block(TIMEOUT);
        String etag = store.head("a/c").block(TIMEOUT).etag();
        store.put("a/c", Payload.of(new byte[] {2}), PutOptions.ifMatch(etag)).block(TIMEOUT);

        assertThat(Files.readAllBytes(root.resolve("a").resolve("b.bin"))).isEqualTo(data);
        assertThat(Files.readAllBytes(root.resolve("a").resolve("c"))).containsExactly(2);
        assertThat(tempFiles()).isEmpty();
        assertThat(root.resolve(".checkpointer-store").resolve("lock")).exists();
        assertThat(keys("")).containsExactly("a/b.bin", "a/c");
        assertThat(store.describe()).isEqualTo("file://" + root.toRealPath()).startsWith("file:///");
        assertThat(((FsObjectStore) store).root()).isEqualTo(root.toRealPath());
    }

    @Test
    void emptyDirectoriesAreRemovedAfterDelete() {
        put(store, "d1/d2/d3/k", new byte[] {1});
        put(store, "d1/keep", new byte[] {2});
        store.delete("d1/d2/d3/k").block(TIMEOUT);
        assertThat(root.resolve("d1/d2")).doesNotExist();
        assertThat(root.resolve("d1")).isDirectory();
        store.deleteAll(List.of("d1/keep")).block(TIMEOUT);
        assertThat(root.resolve("d1")).doesNotExist();
        assertThat(root).isDirectory();
    }

    @Test
    void aKeyCannotBeBothAnObjectAndADirectory() {
        put(store, "a/b", new byte[] {1});
        assertCode(store.put("a", Payload.of(new byte[] {2}), PutOptions.none()), ErrorCode.STORE_BAD_REQUEST);
        assertCode(store.put("a", Payload.of(new byte[] {2}), PutOptions.ifAbsent()), ErrorCode.STORE_BAD_REQUEST);
        assertCode(store.put("a", Payload.of(new byte[] {2}), PutOptions.ifMatch("x")), ErrorCode.STORE_PRECONDITION_FAILED);
        assertCode(store.head("a"), ErrorCode.STORE_NOT_FOUND);
        put(store, "x", new byte[] {3});
        assertCode(store.put("x/y", Payload.of(new byte[] {4}), PutOptions.none()), ErrorCode.STORE_BAD_REQUEST);
        assertCode(store.startMultipart("x/y", PutOptions.none()).flatMap(u -> u.uploadPart(1, Payload.of(new byte[] {5}))
                .flatMap(p -> u.complete(List.of(p)))), ErrorCode.STORE_BAD_REQUEST);
        assertThat(keys("")).containsExactly("a/b", "x");
    }

    // =============================================================================================== containment

    @Test
    void keysThatWouldEscapeOrCollideWithTheStoresFilesAreRefused() throws IOException {
        List<String> refused = List.of("../outside/secret", "a/../../outside/x", "/etc/passwd", "..\\outside", "..",
                ".checkpointer-store/lock", "a/.checkpointer-tmp-0123", ".checkpointer-anything", "x".repeat(256), "ok/" + "\u00e9".repeat(128));
        for (String key : refused) {
            assertThat(errorOf(store.put(key, Payload.of(new byte[] {1}), PutOptions.none()))).as(key).isInstanceOf(InvalidInputException.class);
            assertThat(errorOf(store.get(key, ByteRange.ALL))).as(key).isInstanceOf(InvalidInputException.class);
            assertThat(errorOf(store.delete(key))).as(key).isInstanceOf(InvalidInputException.class);
        }
        assertThat(errorOf(store.list(".checkpointer-store/"))).isInstanceOf(InvalidInputException.class);
        assertThat(outsideFiles()).containsExactly("secret");
        assertThat(Files.readString(outside.resolve("secret"))).isEqualTo("top secret");
        assertThat(root.resolve(".checkpointer-store").resolve("lock")).doesNotExist();
    }

    @Test
    void encodedAndLookAlikeFormsAreStoredLiterallyInsideTheRoot() throws IOException {
        // StoreKeys lets these through; on this OS each must stay one literal name below the root.
        List<String> literal = List.of("%2e%2e/x", "..%2f..%2foutside", "%2F/etc", "\u2024\u2024/x", "\uff0e\uff0e/x", ".../x",
                "~/x", "$HOME/x", " ../x", ".. /x", "a/...", "..a/b", "%00/x", "\u202e/x");
        for (String key : literal) {
            put(store, key, key.getBytes(StandardCharsets.UTF_8));
            Path file = root;
            for (String segment : key.split("/")) {
                file = file.resolve(segment);
            }
            assertThat(file).as(key).isRegularFile();
            assertThat(file.toRealPath().startsWith(root.toRealPath())).as(key).isTrue();
            assertThat(Files.readString(file)).isEqualTo(key);
        }
        assertThat(keys("")).containsExactlyInAnyOrderElementsOf(literal);
        assertThat(outsideFiles()).containsExactly("secret");
        try (Stream<Path> s = Files.list(parent)) {
            assertThat(s.map(p -> p.getFileName().toString()).collect(Collectors.toSet())).isEqualTo(Set.of("store", "outside"));
        }
    }

    @Test
    void symbolicLinksBelowTheRootAreNeverFollowed() throws IOException {
        Files.createDirectories(root);
        try {
            Files.createSymbolicLink(root.resolve("link"), outside);
            Files.createSymbolicLink(root.resolve("leak"), outside.resolve("secret"));
        } catch (UnsupportedOperationException | IOException e) {
            assumeTrue(false, "cannot create symbolic links here: " + e);
        }
        put(store, "real/ok", new byte[] {1});

        assertCode(store.put("link/x", Payload.of(new byte[] {1}), PutOptions.none()), ErrorCode.STORE_ACCESS_DENIED);
        assertCode(store.put("link/deeper/x", Payload.of(new byte[] {1}), PutOptions.ifAbsent()), ErrorCode.STORE_ACCESS_DENIED);
        assertCode(store.get("link/secret", ByteRange.ALL), ErrorCode.STORE_ACCESS_DENIED);
        assertCode(store.head("link/secret"), ErrorCode.STORE_ACCESS_DENIED);
        assertCode(store.delete("link/secret"), ErrorCode.STORE_ACCESS_DENIED);
        assertCode(store.list("link/"), ErrorCode.STORE_ACCESS_DENIED);

        assertCode(store.get("leak", ByteRange.ALL), ErrorCode.STORE_ACCESS_DENIED);
        assertCode(store.head("leak"), ErrorCode.STORE_ACCESS_DENIED);
        assertCode(store.put("leak", Payload.of(new byte[] {9}), PutOptions.none()), ErrorCode.STORE_ACCESS_DENIED);
        assertCode(store.put("leak", Payload.of(new byte[] {9}), PutOptions.ifAbsent()), ErrorCode.STORE_ACCESS_DENIED);
        assertCode(store.delete("leak"), ErrorCode.STORE_ACCESS_DENIED);

        assertThat(keys("")).containsExactly("real/ok");
        assertThat(outsideFiles()).containsExactly("secret");
        assertThat(Files.readString(outside.resolve("secret"))).isEqualTo("top secret");
        assertThat(Files.isSymbolicLink(root.resolve("leak"))).isTrue();
    }

    @Test
    void theRootMayItselfBeASymbolicLink() throws IOException {
        Path real = Files.createDirectories(parent.resolve("real-root"));
        Path alias = parent.resolve("alias");
        try {
            Files.createSymbolicLink(alias, real);
        } catch (UnsupportedOperationException | IOException e) {
            assumeTrue(false, "cannot create symbolic links here: " + e);
        }
        ObjectStore s = open(FileSystemStore.builder(alias));
        put(s, "k", new byte[] {1});
        assertThat(real.resolve("k")).isRegularFile();
        assertThat(((FsObjectStore) s).root()).isEqualTo(real.toRealPath());
    }

    // =============================================================================================== crash debris

    @Test
    void aTempFileLeftByACrashedWriteIsInvisibleAndRemovedByCleanup() throws IOException {
        put(store, "dir/obj", new byte[] {1});
        Path crashed = root.resolve("dir").resolve(".checkpointer-tmp-0123456789abcdef0123456789abcdef");
        Files.write(crashed, bytes(5000, 1));
        Files.setLastModifiedTime(crashed, FileTime.from(Instant.now().minus(Duration.ofHours(2))));
        Path lonely = Files.createDirectories(root.resolve("only/temp"));
        Path crashed2 = lonely.resolve(".checkpointer-tmp-ffff");
        Files.write(crashed2, new byte[10]);
        Files.setLastModifiedTime(crashed2, FileTime.from(Instant.now().minus(Duration.ofHours(2))));

        assertThat(keys("")).containsExactly("dir/obj");
        assertThat(keys("dir/")).containsExactly("dir/obj");
        assertThat(errorOf(store.get("dir/.checkpointer-tmp-0123456789abcdef0123456789abcdef", ByteRange.ALL)))
                .isInstanceOf(InvalidInputException.class);

        // too young, or outside the prefix: kept
        assertThat(store.cleanupIncomplete("", Instant.now().minus(Duration.ofHours(3))).collectList().block(TIMEOUT)).isEmpty();
        assertThat(store.cleanupIncomplete("other/", Instant.now()).collectList().block(TIMEOUT)).isEmpty();
        assertThat(store.cleanupIncomplete("dir/sub/", Instant.now()).collectList().block(TIMEOUT)).isEmpty();
        assertThat(crashed).exists();

        List<String> removed = store.cleanupIncomplete("dir/", Instant.now().minus(Duration.ofHours(1))).collectList().block(TIMEOUT);
        assertThat(removed).singleElement().asString().contains("dir/.checkpointer-tmp-0123456789abcdef0123456789abcdef").contains("5000 bytes");
        assertThat(crashed).doesNotExist();
        assertThat(crashed2).exists();
        assertThat(store.cleanupIncomplete("", Instant.now()).collectList().block(TIMEOUT)).singleElement().asString().contains("only/temp/");
        assertThat(root.resolve("only")).as("emptied directories are pruned").doesNotExist();
        assertThat(read("dir/obj")).containsExactly(1);
    }

    @Test
    void anAbandonedMultipartUploadIsRemovedByCleanup() throws IOException {
        MultipartUpload upload = store.startMultipart("big/object", PutOptions.none()).block(TIMEOUT);
        upload.uploadPart(1, Payload.of(bytes(1000, 1))).block(TIMEOUT);
        Path uploads = root.resolve(".checkpointer-store/uploads");
        try (Stream<Path> s = Files.list(uploads)) {
            assertThat(s.count()).isEqualTo(1);
        }
        assertThat(keys("")).isEmpty();
        assertThat(store.cleanupIncomplete("big/", Instant.now().minus(Duration.ofMinutes(5))).collectList().block(TIMEOUT)).isEmpty();
        List<String> removed = store.cleanupIncomplete("big/", Instant.now().plus(Duration.ofMinutes(1))).collectList().block(TIMEOUT);
        assertThat(removed).singleElement().asString().contains("multipart upload").contains("big/object");
        try (Stream<Path> s = Files.list(uploads)) {
            assertThat(s.count()).isZero();
        }
        assertCode(upload.uploadPart(2, Payload.of(new byte[] {1})), ErrorCode.STORE_NOT_FOUND);
    }

    @Test
    void aCompletedUploadLeavesNoPartsBehindAndAWrongDeclaredSha256IsRefused() throws IOException {
        MultipartUpload upload = store.startMultipart("mpu/k", PutOptions.none().withSha256("0".repeat(64))).block(TIMEOUT);
        PartInfo p1 = upload.uploadPart(1, Payload.of(bytes(1000, 1))).block(TIMEOUT);
        assertCode(upload.complete(List.of(p1)), ErrorCode.STORE_BAD_REQUEST);
        assertThat(keys("")).isEmpty();
        upload.abort().block(TIMEOUT);

        byte[] data = bytes(2000, 2);
        String sha = sha256(data);
        MultipartUpload good = store.startMultipart("mpu/k", PutOptions.none().withSha256(sha)).block(TIMEOUT);
        PartInfo a = good.uploadPart(1, Payload.of(java.util.Arrays.copyOfRange(data, 0, 1200))).block(TIMEOUT);
        PartInfo b = good.uploadPart(2, Payload.of(java.util.Arrays.copyOfRange(data, 1200, 2000))).block(TIMEOUT);
        assertCode(good.complete(List.of(b, a)), ErrorCode.STORE_BAD_REQUEST); // not in number order
        good.complete(List.of(a, b)).block(TIMEOUT);
        assertThat(read("mpu/k")).isEqualTo(data);
        try (Stream<Path> s = Files.list(root.resolve(".checkpointer-store/uploads"))) {
            assertThat(s.count()).isZero();
        }
        assertThat(tempFiles()).isEmpty();
        assertCode(good.complete(List.of(a, b)), ErrorCode.STORE_NOT_FOUND);
    }

    // =============================================================================================== reads

    @Test
    void readsAreChunkedAndRunOnTheStoresThreads() {
        byte[] data = bytes(1024 * 1024 + 1, 3);
        put(store, "big", data);
        Set<String> threads = ConcurrentHashMap.newKeySet();
        List<Integer> sizes = store.get("big", ByteRange.ALL)
                .flatMapMany(ObjectContent::body)
                .doOnNext(b -> threads.add(Thread.currentThread().getName()))
                .map(ByteBuffer::remaining)
                .collectList()
                .block(TIMEOUT);
        assertThat(sizes).hasSize(5).allSatisfy(n -> assertThat(n).isLessThanOrEqualTo(256 * 1024));
        assertThat(sizes.stream().mapToInt(Integer::intValue).sum()).isEqualTo(data.length);
        assertThat(threads).allSatisfy(t -> assertThat(t).startsWith("checkpointer-fs-"));

        ObjectStore small = open(FileSystemStore.builder(root).readChunkSize(64 * 1024));
        assertThat(small.get("big", ByteRange.of(10, 200_000)).flatMapMany(ObjectContent::body).count().block(TIMEOUT)).isEqualTo(4);
    }

    @Test
    void writesRunOnTheStoresThreadsWhateverThreadSubscribes() {
        Set<String> threads = ConcurrentHashMap.newKeySet();
        ObjectInfo info = store.put("w", Payload.of(bytes(10, 1)), PutOptions.none())
                .subscribeOn(Schedulers.parallel())
                .doOnNext(i -> threads.add(Thread.currentThread().getName()))
                .block(TIMEOUT);
        assertThat(info.size()).isEqualTo(10);
        assertThat(threads).singleElement().asString().startsWith("checkpointer-fs-");
    }

    @Test
    void aGetKeepsReadingTheVersionItOpened() {
        byte[] v1 = bytes(600_000, 1);
        ObjectInfo first = put(store, "k", v1);
        ObjectContent opened = store.get("k", ByteRange.ALL).block(TIMEOUT);
        put(store, "k", bytes(700_000, 2));
        store.delete("k").block(TIMEOUT);
        assertThat(opened.info().etag()).isEqualTo(first.etag());
        assertThat(Buffers.join(opened.body()).block(TIMEOUT)).isEqualTo(v1);
        assertThat(errorOf(opened.body())).isInstanceOf(IllegalStateException.class);
    }

    // =============================================================================================== ETags and locks

    @Test
    void etagsComeFromTheFileSoStoresWithOtherSettingsAgree() {
        ObjectStore plain = open(FileSystemStore.builder(root).extendedAttributes(false));
        ObjectInfo written = put(store, "shared", new byte[] {1});
        assertThat(plain.head("shared").block(TIMEOUT).etag()).isEqualTo(written.etag());
        ObjectInfo second = plain.put("shared", Payload.of(new byte[] {2}), PutOptions.ifMatch(written.etag())).block(TIMEOUT);
        assertThat(store.head("shared").block(TIMEOUT).etag()).isEqualTo(second.etag()).isNotEqualTo(written.etag());
        assertCode(store.put("shared", Payload.of(new byte[] {3}), PutOptions.ifMatch(written.etag())), ErrorCode.STORE_PRECONDITION_FAILED);
        store.put("shared", Payload.of(new byte[] {3}), PutOptions.ifMatch(second.etag())).block(TIMEOUT);
        assertThat(read("shared")).containsExactly(3);
    }

    @Test
    void whereExtendedAttributesExistTheEtagCarriesTheWriteIdStoredWithTheFile() throws IOException {
        assumeTrue(((FsObjectStore) store).usesExtendedAttributes(), "no user extended attributes on this file system");
        ObjectInfo info = put(store, "x/y", new byte[] {1, 2, 3});
        java.nio.file.attribute.UserDefinedFileAttributeView view =
                Files.getFileAttributeView(root.resolve("x/y"), java.nio.file.attribute.UserDefinedFileAttributeView.class);
        ByteBuffer buf = ByteBuffer.allocate(64);
        view.read("checkpointer.etag", buf);
        String id = new String(buf.array(), 0, buf.position(), StandardCharsets.US_ASCII);
        assertThat(id).matches("[0-9a-f]{32}");
        assertThat(info.etag()).startsWith(id + "-");
        assertThat(store.head("x/y").block(TIMEOUT).etag()).isEqualTo(info.etag());
        // a file put there by another program has no id: its ETag derives from its identity, and still works
        Files.write(root.resolve("x/foreign"), new byte[] {9});
        String foreign = store.head("x/foreign").block(TIMEOUT).etag();
        assertThat(foreign).startsWith("k");
        store.put("x/foreign", Payload.of(new byte[] {10}), PutOptions.ifMatch(foreign)).block(TIMEOUT);
        assertThat(read("x/foreign")).containsExactly(10);
    }

    @Test
    void anIfMatchRaceBetweenTwoStoreInstancesHasExactlyOneWinnerPerRound() {
        ObjectStore a = store;
        ObjectStore b = open(FileSystemStore.builder(root));
        put(a, "race", new byte[] {0});
        Scheduler two = Schedulers.newParallel("race", 2);
        try {
            for (int round = 1; round <= 100; round++) {
                String etag = a.head("race").block(TIMEOUT).etag();
                byte[] fromA = ("a" + round).getBytes(StandardCharsets.UTF_8);
                byte[] fromB = ("b" + round).getBytes(StandardCharsets.UTF_8);
                List<Object> outcomes = Flux.merge(
                                a.put("race", Payload.of(fromA), PutOptions.ifMatch(etag)).subscribeOn(two).<Object>thenReturn("a").onErrorResume(Mono::just),
                                b.put("race", Payload.of(fromB), PutOptions.ifMatch(etag)).subscribeOn(two).<Object>thenReturn("b").onErrorResume(Mono::just))
                        .collectList().block(TIMEOUT);
                List<Object> winners = outcomes.stream().filter(String.class::isInstance).toList();
                assertThat(winners).as("round %d: %s", round, outcomes).hasSize(1);
                assertThat(outcomes.stream().filter(o -> !(o instanceof String)))
                        .singleElement().isInstanceOfSatisfying(StoreException.class, e -> assertThat(e.isPreconditionFailed()).isTrue());
                assertThat(read("race")).isEqualTo(winners.get(0).equals("a") ? fromA : fromB);
            }
        } finally {
            two.dispose();
        }
    }

    @Test
    void concurrentUnconditionalWritersAndDeletersNeverExposeAPartialFile() {
        byte[] x = bytes(200_000, 1);
        byte[] y = bytes(300_000, 2);
        Scheduler pool = Schedulers.newParallel("mixed", 4);
        try {
            Flux.range(0, 60)
                    .flatMap(i -> (switch (i % 3) {
                        case 0 -> store.put("mixed", Payload.of(x), PutOptions.none()).then();
                        case 1 -> store.put("mixed", Payload.of(y), PutOptions.none()).then();
                        default -> store.get("mixed", ByteRange.ALL).flatMap(c -> Buffers.join(c.body()))
                                .doOnNext(b -> {
                                    if (!java.util.Arrays.equals(b, x) && !java.util.Arrays.equals(b, y)) {
                                        throw new AssertionError("read a partial or mixed version of " + b.length + " bytes");
                                    }
                                })
                                .onErrorResume(e -> e instanceof StoreException se && se.isNotFound(), e -> Mono.empty())
                                .then(i % 2 == 0 ? store.delete("mixed") : Mono.<Void>empty());
                    }).subscribeOn(pool), 8)
                    .then()
                    .block(TIMEOUT);
        } finally {
            pool.dispose();
        }
    }

    // =============================================================================================== lifecycle and errors

    @Test
    void aClosedStoreRefusesWork() {
        ObjectStore s = open(FileSystemStore.builder(root));
        s.close();
        s.close();
        assertCode(s.put("k", Payload.of(new byte[] {1}), PutOptions.none()), ErrorCode.CLOSED);
        assertCode(s.get("k", ByteRange.ALL), ErrorCode.CLOSED);
        assertCode(s.list(""), ErrorCode.CLOSED);
        assertCode(s.delete("k"), ErrorCode.CLOSED);
        // other stores on the same root keep working (and keep their locks)
        put(store, "k", new byte[] {1});
        store.put("k", Payload.of(new byte[] {2}), PutOptions.ifMatch(store.head("k").block(TIMEOUT).etag())).block(TIMEOUT);
    }

    @Test
    void aRootThatIsAFileOrMissingIsRefused() throws IOException {
        Path file = Files.writeString(parent.resolve("file"), "x");
        assertThatThrownBy(() -> FileSystemStore.open(file)).isInstanceOf(InvalidInputException.class).hasMessageContaining("not a directory");
        ObjectStore missing = open(FileSystemStore.builder(parent.resolve("missing")).createRoot(false));
        assertCode(missing.put("k", Payload.of(new byte[] {1}), PutOptions.none()), ErrorCode.STORE_LOCATION_NOT_FOUND);
        assertCode(missing.list(""), ErrorCode.STORE_LOCATION_NOT_FOUND);
        assertThat(parent.resolve("missing")).doesNotExist();
        assertThatThrownBy(() -> FileSystemStore.builder(root).threads(0)).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> FileSystemStore.builder(root).readChunkSize(10)).isInstanceOf(InvalidInputException.class);
    }

    @Test
    void aReadOnlyDirectoryIsAccessDenied() throws IOException {
        assumeFalse("root".equals(System.getProperty("user.name")), "permissions are not enforced for root");
        put(store, "ro/existing", new byte[] {1});
        Path dir = root.resolve("ro");
        try {
            Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("r-xr-xr-x"));
        } catch (UnsupportedOperationException e) {
            assumeTrue(false, "no POSIX permissions here");
        }
        try {
            assertCode(store.put("ro/new", Payload.of(new byte[] {1}), PutOptions.none()), ErrorCode.STORE_ACCESS_DENIED);
            assertThat(read("ro/existing")).containsExactly(1);
        } finally {
            Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        }
    }

    private byte[] read(String key) {
        return store.readAll(key).block(TIMEOUT);
    }

    private static String sha256(byte[] b) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(b));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
