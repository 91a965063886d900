package dev.checkpointer.reliability;

import dev.checkpointer.CheckpointException;
import dev.checkpointer.CheckpointId;
import dev.checkpointer.CheckpointMetadata;
import dev.checkpointer.CheckpointNotFoundException;
import dev.checkpointer.Checkpointer;
import dev.checkpointer.ConcurrentCheckpointException;
import dev.checkpointer.CorruptMetadataException;
import dev.checkpointer.IncompatibleCheckpointException;
import dev.checkpointer.InvalidInputException;
import dev.checkpointer.PartitionEntry;
import dev.checkpointer.PartitionKind;
import dev.checkpointer.Payload;
import dev.checkpointer.Retention;
import dev.checkpointer.RetrySettings;
import dev.checkpointer.Snapshot;
import dev.checkpointer.spi.StoreOptions;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** The hostile inputs of R5, by category. */
final class BadInputs {
    private BadInputs() {}

    static final String MANIFEST_2 = "checkpoints/" + CheckpointId.of(2).padded() + "/manifest.json";
    private static final String SHA_OF_10_ZEROS = StoredJson.sha256(new byte[10]);
    /** Stands for the SHA-256 of checkpoint 1's manifest file in a planted body; replaced when the case is set up. */
    private static final String PARENT = "@PARENT_SHA256@";

    /** A manifest file with a valid envelope around the given body (as the engine seals one: see {@link StoredJson#seal}). */
    static byte[] sealed(String body) {
        return StoredJson.seal(StoredJson.MANIFEST, body.getBytes(StandardCharsets.UTF_8));
    }

    /** A format-2 manifest body for checkpoint 2 on checkpoint 1, plus extra fields. */
    private static String body(String extra) {
        return "{\"formatVersion\":\"2.0\",\"id\":2,\"epoch\":1,\"createdAt\":\"2026-01-01T00:00:00Z\",\"writerId\":\"r5\","
                + "\"parent\":{\"id\":1,\"manifestSha256\":\"" + PARENT + "\"}" + extra + "}";
    }

    private static String entry(String fields) {
        return ",\"partitions\":[{\"operator\":\"a\",\"partition\":0,\"kind\":\"SNAPSHOT\"," + fields + "}]";
    }

    /**
     * Plants a hostile file as checkpoint 2 <em>on the chain</em>: protocol v2 reads only what is reachable from
     * {@code _latest}, so the pointer is rewritten too (a sealed format-2 pointer naming checkpoint 2, the planted
     * file's SHA-256 and checkpoint 1 as parent; same epoch and floor), as a hostile or broken writer could. The
     * original pointer is kept for {@link #UNPLANT}.
     *
     * @param file the file, given the SHA-256 of checkpoint 1's manifest file (for a body's parent link)
     */
    private static Catalogue.Step plant(java.util.function.Function<String, byte[]> file) {
        return env -> {
            byte[] pointer = StoredJson.read(env.store, "_latest");
            StoredJson.PointerFields p = StoredJson.pointer(pointer);
            if (p.id() != 1) {
                throw new IllegalStateException("expected checkpoint 1 to be the head, the pointer says " + p);
            }
            String parentSha = StoredJson.sha256(StoredJson.read(env.store, StoredJson.manifestKey(1)));
            byte[] bytes = file.apply(parentSha);
            env.values.put("pointer", pointer);
            StoredJson.put(env.store, MANIFEST_2, bytes);
            StoredJson.put(env.store, "_latest", StoredJson.pointerFile(2, StoredJson.sha256(bytes), 1, parentSha, p.epoch(), p.floor(), "r5-planted"));
            return null;
        };
    }

    /** Plants raw bytes (no parent link to fill in). */
    private static Catalogue.Step plant(byte[] manifest) {
        return plant(parent -> manifest);
    }

    /** Plants a body sealed with a correct envelope digest, its parent link filled in. */
    private static Catalogue.Step plantSealed(String body) {
        return plant(parent -> sealed(body.replace(PARENT, parent)));
    }

    /** Puts the original pointer back and removes the planted file. */
    private static final Catalogue.Step UNPLANT = env -> {
        StoredJson.put(env.store, "_latest", (byte[]) env.values.get("pointer"));
        return env.store.delete(MANIFEST_2);
    };

    /** Replaces {@code _latest} (the original kept for {@link #RESTORE_POINTER}). */
    private static Catalogue.Step pointerOf(java.util.function.Function<byte[], byte[]> bad) {
        return env -> {
            byte[] pointer = StoredJson.read(env.store, "_latest");
            env.values.put("pointer", pointer);
            StoredJson.put(env.store, "_latest", bad.apply(pointer));
            return null;
        };
    }

    /** Deletes {@code _latest} (kept for {@link #RESTORE_POINTER}). */
    private static final Catalogue.Step DELETE_POINTER = env -> {
        env.values.put("pointer", StoredJson.read(env.store, "_latest"));
        return env.store.delete("_latest");
    };

    private static final Catalogue.Step RESTORE_POINTER = env -> {
        StoredJson.put(env.store, "_latest", (byte[]) env.values.get("pointer"));
        return null;
    };

    /** A pointer file with one field of its body replaced, re-sealed (Jackson tree edit, bodySha256 recomputed). */
    private static byte[] pointerWith(byte[] pointer, String field, Object value) {
        com.fasterxml.jackson.databind.node.ObjectNode body = StoredJson.bodyTree(pointer);
        if (value instanceof Long l) {
            body.put(field, l);
        } else {
            body.put(field, String.valueOf(value));
        }
        return StoredJson.seal(StoredJson.POINTER, body);
    }

    /** A fresh checkpointer on the case's store: nothing it knows from earlier cases (planted files differ per case). */
    private static Checkpointer fresh(Catalogue.Env env) {
        return Workload.builder(env.store).build();
    }

    private static Payload supplied(int emitted, long declared) {
        return Payload.of(() -> Flux.just(ByteBuffer.wrap(Workload.bytes(emitted, emitted))), declared);
    }

    private static Payload failingAfter(int good, long declared) {
        return Payload.of(() -> Flux.just(ByteBuffer.wrap(Workload.bytes(good, 1)))
                .concatWith(Flux.error(new IOException("disk gone"))), declared);
    }

    private static Mono<?> save(Catalogue.Env env, String operator, Payload p) {
        return env.cp.save(Snapshot.builder().partition(operator, 0, p).build());
    }

    static Catalogue build() {
        Catalogue c = new Catalogue();
        Payload one = Payload.of(new byte[] {1});

        // ------------------------------------------------------------------ operator names and partitions
        String n = "operator name";
        c.refuse(n, "\"\"", InvalidInputException.class, "must not be empty").act(e -> Snapshot.builder().partition("", 0, one));
        c.refuse(n, "\".\"", InvalidInputException.class, "must not be '.'").act(e -> Snapshot.builder().partition(".", 0, one));
        c.refuse(n, "\"..\"", InvalidInputException.class, "must not be '..'").act(e -> Snapshot.builder().partition("..", 0, one));
        c.refuse(n, "\"../../_latest\"", InvalidInputException.class, "must not contain '/'").act(e -> Snapshot.builder().partition("../../_latest", 0, one));
        c.refuse(n, "\"..\\\\..\\\\x\"", InvalidInputException.class, "must not contain '\\'").act(e -> Snapshot.builder().partition("..\\..\\x", 0, one));
        c.refuse(n, "\"x\\u0000y\" (NUL)", InvalidInputException.class, "control character (U+0000)").act(e -> Snapshot.builder().partition("x\u0000y", 0, one));
        c.refuse(n, "\"a\\nb\" (line break: log injection)", InvalidInputException.class, "control character (U+000A)")
                .act(e -> Snapshot.builder().partition("a\nb", 0, one));
        c.refuse(n, "\"\\u0085\" (NEL, a C1 control)", InvalidInputException.class, "control character (U+0085)").act(e -> Snapshot.builder().partition("\u0085", 0, one));
        c.refuse(n, "\"\\uD800x\" (lone surrogate)", InvalidInputException.class, "lone surrogate").act(e -> Snapshot.builder().partition("\ud800x", 0, one));
        c.refuse(n, "201 characters", InvalidInputException.class, "the limit is 200").act(e -> Snapshot.builder().partition("a".repeat(201), 0, one));
        c.refuse(n, "null", InvalidInputException.class, "must not be null").act(e -> Snapshot.builder().partition(null, 0, one));
        c.refuse(n, "\"..\" to stage() (many hosts)", InvalidInputException.class, "must not be '..'").reactive().perStore()
                .act(e -> e.cp.stage(CheckpointId.of(50), "..", 0, one));
        c.refuse(n, "\"nope\" to Checkpoint.read", InvalidInputException.class, "has no partition 0 of operator 'nope'").reactive().perStore()
                .act(e -> e.cp.latest().flatMap(cp -> cp.read("nope", 0)));
        String p = "partition";
        c.refuse(p, "partition -1", InvalidInputException.class, "partition number must be >= 0").act(e -> Snapshot.builder().partition("a", -1, one));
        c.refuse(p, "partition -3 to stage()", InvalidInputException.class, "partition number must be >= 0").reactive().perStore()
                .act(e -> e.cp.stage(CheckpointId.of(50), "a", -3, one));
        c.refuse(p, "the same partition twice", InvalidInputException.class, "was added twice")
                .act(e -> Snapshot.builder().partition("a", 0, one).partition("a", 0, one));
        c.refuse(p, "null payload", InvalidInputException.class, "payload must not be null").act(e -> Snapshot.builder().partition("a", 0, null));
        c.refuse(p, "null kind", InvalidInputException.class, "partition kind must not be null")
                .act(e -> Snapshot.builder().partition("a", 0, (PartitionKind) null, one));

        // ------------------------------------------------------------------ ids
        String i = "checkpoint id";
        c.refuse(i, "CheckpointId.of(0)", InvalidInputException.class, "must be >= 1, got 0").act(e -> CheckpointId.of(0));
        c.refuse(i, "CheckpointId.of(Long.MIN_VALUE)", InvalidInputException.class, "got -9223372036854775808").act(e -> CheckpointId.of(Long.MIN_VALUE));
        c.refuse(i, "parse(\"\")", InvalidInputException.class, "not a checkpoint id").act(e -> CheckpointId.parse(""));
        c.refuse(i, "parse(\"-1\")", InvalidInputException.class, "not a checkpoint id").act(e -> CheckpointId.parse("-1"));
        c.refuse(i, "parse(\"1e3\")", InvalidInputException.class, "not a checkpoint id").act(e -> CheckpointId.parse("1e3"));
        c.refuse(i, "parse(\"99999999999999999999\") (above Long.MAX_VALUE)", InvalidInputException.class, "out of range")
                .act(e -> CheckpointId.parse("99999999999999999999"));
        c.refuse(i, "parse of 21 digits", InvalidInputException.class, "not a checkpoint id").act(e -> CheckpointId.parse("000000000000000000001"));
        c.refuse(i, "load(999), absent", CheckpointNotFoundException.class, "checkpoint 999 does not exist").reactive().perStore()
                .act(e -> e.cp.load(CheckpointId.of(999)));
        c.refuse(i, "save with id 1, already committed", ConcurrentCheckpointException.class, "ids are never reused")
                .reactive().perStore().act(e -> e.cp.save(Snapshot.builder().id(CheckpointId.of(1)).partition("a", 0, Payload.of(Workload.bytes(5000, 1))).build()));
        c.refuse(i, "abort(1), committed", ConcurrentCheckpointException.class, "cannot be aborted").reactive().perStore()
                .act(e -> e.cp.abort(CheckpointId.of(1)));
        c.refuse(i, "CheckpointId.of(Long.MAX_VALUE) (no id could follow it)", InvalidInputException.class, "so that an id can follow it")
                .act(e -> CheckpointId.of(Long.MAX_VALUE));

        // ------------------------------------------------------------------ URIs
        String u = "URI for Checkpointer.open";
        c.refuse(u, "\"\"", InvalidInputException.class, "store URI is blank").act(e -> Checkpointer.open(""));
        c.refuse(u, "\"   \"", InvalidInputException.class, "store URI is blank").act(e -> Checkpointer.open("   "));
        c.refuse(u, "\"checkpoints/here\" (no scheme)", InvalidInputException.class, "has no scheme").act(e -> Checkpointer.open("checkpoints/here"));
        c.refuse(u, "\"ftp://host/x\" (no module)", CheckpointException.class, "no store module handles scheme 'ftp'").act(e -> Checkpointer.open("ftp://host/x"));
        c.refuse(u, "\"memory://\"", InvalidInputException.class, "Expected authority").act(e -> Checkpointer.open("memory://"));
        c.refuse(u, "\"memory://a b/x\"", InvalidInputException.class, "Illegal character in authority").act(e -> Checkpointer.open("memory://a b/x"));
        c.refuse(u, "\"memory://n/a/../../b\" (traversal)", InvalidInputException.class, "has a '..' segment").act(e -> Checkpointer.open("memory://n/a/../../b"));
        c.refuse(u, "\"memory://n/a%00b\" (NUL in prefix)", InvalidInputException.class, "contains a control character").act(e -> Checkpointer.open("memory://n/a%00b"));
        c.refuse(u, "\"memory://n/p?=v\"", InvalidInputException.class, "empty option name").act(e -> Checkpointer.open("memory://n/p?=v"));
        c.refuse(u, "\"memory://n/p?a=1&a=2\"", InvalidInputException.class, "sets option 'a' twice").act(e -> Checkpointer.open("memory://n/p?a=1&a=2"));
        c.refuse(u, "\"memory://n/p?bogus=1\"", InvalidInputException.class, "unknown memory store option(s) [bogus]").act(e -> Checkpointer.open("memory://n/p?bogus=1"));
        c.refuse(u, "\"memory://user:pw@n/p\"", InvalidInputException.class, "must not carry credentials").act(e -> Checkpointer.open("memory://user:pw@n/p"));
        c.refuse(u, "\"file://otherhost/tmp/x\"", InvalidInputException.class, "not one on host 'otherhost'").act(e -> Checkpointer.open("file://otherhost/tmp/x"));
        c.refuse(u, "\"file:\"", InvalidInputException.class, "Expected scheme-specific part").act(e -> Checkpointer.open("file:"));
        c.refuse(u, "\"file:///tmp/%zz\"", InvalidInputException.class, "Malformed escape pair").act(e -> Checkpointer.open("file:///tmp/%zz"));
        c.refuse(u, "\"file:///dev/null\" (not a directory)", InvalidInputException.class, "is not a directory").act(e -> Checkpointer.open("file:///dev/null"));
        c.refuse(u, "file URI with a #fragment", InvalidInputException.class, "must not have a fragment").scratch()
                .act(e -> Checkpointer.open(e.scratch.toUri() + "#frag"));
        c.refuse(u, "file URI ?fsync=maybe", InvalidInputException.class, "'fsync' must be true or false, got 'maybe'").scratch()
                .act(e -> Checkpointer.open(e.scratch.toUri() + "?fsync=maybe"));
        c.refuse(u, "file URI ?threads=0", InvalidInputException.class, "'threads' must be a positive integer").scratch()
                .act(e -> Checkpointer.open(e.scratch.toUri() + "?threads=0"));
        c.refuse(u, "file URI ?threads=5000", InvalidInputException.class, "threads must be between 1 and 1024").scratch()
                .act(e -> Checkpointer.open(e.scratch.toUri() + "?threads=5000"));
        c.refuse(u, "file URI ?readChunkSize=1", InvalidInputException.class, "readChunkSize must be between 4096").scratch()
                .act(e -> Checkpointer.open(e.scratch.toUri() + "?readChunkSize=1"));
        c.refuse(u, "file URI ?readChunkSize=12XB", InvalidInputException.class, "must be a size such as").scratch()
                .act(e -> Checkpointer.open(e.scratch.toUri() + "?readChunkSize=12XB"));
        c.refuse(u, "file URI ?readChunkSize=99999999999g (overflows a long)", InvalidInputException.class, "must be a size such as").scratch()
                .act(e -> Checkpointer.open(e.scratch.toUri() + "?readChunkSize=99999999999g"));
        c.refuse(u, "file URI ?nope=1", InvalidInputException.class, "unknown filesystem store option(s) [nope]").scratch()
                .act(e -> Checkpointer.open(e.scratch.toUri() + "?nope=1"));
        Map<String, String> nullValue = new HashMap<>();
        nullValue.put("fsync", null);
        c.refuse(u, "options map with a null value", InvalidInputException.class, "must not contain null names or values").scratch()
                .act(e -> Checkpointer.open(e.scratch.toUri().toString(), nullValue));

        // ------------------------------------------------------------------ settings and sizes
        String s = "setting or size";
        c.refuse(s, "builder().build() with no store", InvalidInputException.class, "needs a store").act(e -> Checkpointer.builder().build());
        c.refuse(s, "maxConcurrentUploads(0)", InvalidInputException.class, "between 1 and 1024, got 0").act(e -> Checkpointer.builder().maxConcurrentUploads(0));
        c.refuse(s, "maxConcurrentUploads(100000)", InvalidInputException.class, "between 1 and 1024, got 100000")
                .act(e -> Checkpointer.builder().maxConcurrentUploads(100_000));
        c.refuse(s, "inlineThreshold(-1)", InvalidInputException.class, "inlineThreshold must be between 0 and 16 MiB").act(e -> Checkpointer.builder().inlineThreshold(-1));
        c.refuse(s, "maxInlineBytes(Integer.MAX_VALUE)", InvalidInputException.class, "maxInlineBytes must be between 0 and 64 MiB")
                .act(e -> Checkpointer.builder().maxInlineBytes(Integer.MAX_VALUE));
        c.refuse(s, "partSize(1)", InvalidInputException.class, "partSize must be between 64 KiB and 5 GiB, got 1").act(e -> Checkpointer.builder().partSize(1));
        c.refuse(s, "partSize(3 GiB)", InvalidInputException.class, "must fit one buffer").act(e -> Checkpointer.builder().partSize(3L << 30));
        c.refuse(s, "multipartThreshold(0)", InvalidInputException.class, "multipartThreshold must be positive").act(e -> Checkpointer.builder().multipartThreshold(0));
        c.refuse(s, "retry maxElapsed -1 s", InvalidInputException.class, "retry maxElapsed must not be negative")
                .act(e -> RetrySettings.defaults().withMaxElapsed(Duration.ofSeconds(-1)));
        c.refuse(s, "orphanGracePeriod(-1 s)", InvalidInputException.class, "must not be negative").act(e -> Checkpointer.builder().orphanGracePeriod(Duration.ofSeconds(-1)));
        c.refuse(s, "writerId(\"\")", InvalidInputException.class, "1 to 200 printable characters").act(e -> Checkpointer.builder().writerId(""));
        c.refuse(s, "writerId with CR LF (log injection)", InvalidInputException.class, "1 to 200 printable characters")
                .act(e -> Checkpointer.builder().writerId("w\r\nFAKE LOG LINE"));
        c.refuse(s, "expectFingerprint(\"\")", InvalidInputException.class, "fingerprint must not be empty").act(e -> Checkpointer.builder().expectFingerprint(""));
        c.refuse(s, "Retention.keepLast(0)", InvalidInputException.class, "keepLast must be >= 1").act(e -> Retention.keepLast(0));
        c.refuse(s, "Retention.olderThan(-1 s)", InvalidInputException.class, "keepNewerThan must be positive").act(e -> Retention.olderThan(Duration.ofSeconds(-1)));
        c.refuse(s, "retry jitter 1.0", InvalidInputException.class, "jitter must be in [0, 1)").act(e -> RetrySettings.defaults().withJitter(1.0));
        c.refuse(s, "retry multiplier NaN", InvalidInputException.class, "multiplier must be >= 1, got NaN")
                .act(e -> RetrySettings.defaults().withBackoff(Duration.ofMillis(1), Double.NaN, Duration.ofMillis(2)));
        c.refuse(s, "retry maxAttempts 0", InvalidInputException.class, "maxAttempts must be >= 1").act(e -> RetrySettings.defaults().withMaxAttempts(0));
        c.refuse(s, "every(Duration.ZERO, …)", InvalidInputException.class, "period must be positive").reactive().perStore()
                .act(e -> e.cp.every(Duration.ZERO, () -> Mono.empty()));

        // ------------------------------------------------------------------ snapshot metadata
        String m = "snapshot metadata";
        c.refuse(m, "epoch(0)", InvalidInputException.class, "epoch must be >= 1, got 0").act(e -> Snapshot.builder().epoch(0));
        c.refuse(m, "sinkEpoch(\"s\", -1)", InvalidInputException.class, "sink epoch must be >= 0").act(e -> Snapshot.builder().sinkEpoch("s", -1));
        c.refuse(m, "offsets(\"\", …)", InvalidInputException.class, "source must not be null or empty").act(e -> Snapshot.builder().offsets("", Map.of()));
        Map<String, String> nullOffset = new HashMap<>();
        nullOffset.put("p0", null);
        c.refuse(m, "offsets with a null value", InvalidInputException.class, "contain a null key or value").act(e -> Snapshot.builder().offsets("s", nullOffset));
        c.refuse(m, "metadata key with BEL", InvalidInputException.class, "contains a control character").act(e -> Snapshot.builder().metadata("k\u0007", "v"));
        c.refuse(m, "fingerprint(\"\")", InvalidInputException.class, "fingerprint must not be null or empty").act(e -> Snapshot.builder().fingerprint(""));
        c.refuse(m, "sink epochs without source offsets", InvalidInputException.class, "sink epochs are recorded but no source offsets").reactive().perStore()
                .act(e -> e.cp.save(Snapshot.builder().sinkEpoch("kafka", 3).partition("a", 0, Payload.of(Workload.bytes(5000, 2))).build()));

        // ------------------------------------------------------------------ payloads
        String y = "payload";
        c.refuse(y, "length -1", InvalidInputException.class, "payload length must be >= 0").act(e -> Payload.of(() -> Flux.empty(), -1));
        c.refuse(y, "Payload.of(missing file)", InvalidInputException.class, "does not exist or is not a regular file")
                .act(e -> Payload.of(e.scratch.resolve("missing.bin")));
        c.refuse(y, "Payload.of(a directory)", InvalidInputException.class, "does not exist or is not a regular file").act(e -> Payload.of(Path.of("/")));
        c.refuse(y, "inline size: declares 20, emits 10", InvalidInputException.class, "declared 20 bytes but produced 10").reactive().perStore()
                .act(e -> save(e, "a", supplied(10, 20)));
        c.refuse(y, "inline size: declares 10, emits 20", InvalidInputException.class, "declared 10 bytes but produced 20").reactive().perStore()
                .act(e -> save(e, "a", supplied(20, 10)));
        c.refuse(y, "single request: declares 60,000, emits 50,000", InvalidInputException.class, "declared 60000 bytes").reactive().perStore()
                .act(e -> save(e, "a", supplied(50_000, 60_000)));
        c.refuse(y, "single request: declares 60,000, emits 70,000", InvalidInputException.class, "declared 60000 bytes").reactive().perStore()
                .act(e -> save(e, "a", supplied(70_000, 60_000)));
        c.refuse(y, "multipart: declares 300,000, emits 250,000", InvalidInputException.class, "declared 300000 bytes but produced 250000").reactive().perStore()
                .act(e -> save(e, "a", supplied(250_000, 300_000)));
        c.refuse(y, "multipart: declares 260,000, emits 270,000", InvalidInputException.class, "declared 260000 bytes but produced 270000").reactive().perStore()
                .act(e -> save(e, "a", supplied(270_000, 260_000)));
        c.refuse(y, "fails mid-stream (inline size)", InvalidInputException.class, "failed while being read: java.io.IOException: disk gone").reactive().perStore()
                .act(e -> save(e, "a", failingAfter(10, 30)));
        c.refuse(y, "fails mid-stream (single request)", InvalidInputException.class, "failed while being read: java.io.IOException: disk gone").reactive().perStore()
                .act(e -> save(e, "a", failingAfter(10_000, 30_000)));
        c.refuse(y, "fails mid-stream (multipart, after a part)", InvalidInputException.class, "failed while being read: java.io.IOException: disk gone")
                .reactive().perStore().act(e -> save(e, "a", failingAfter(100_000, 300_000)));
        c.refuse(y, "supplier returns null", InvalidInputException.class, "payload supplier returned null").reactive().perStore()
                .act(e -> save(e, "a", Payload.of(() -> null, 30_000)));
        c.refuse(y, "supplier throws", InvalidInputException.class, "failed while being read: java.lang.IllegalStateException: boom").reactive().perStore()
                .act(e -> save(e, "a", Payload.of(() -> {
                    throw new IllegalStateException("boom");
                }, 30_000)));
        for (int[] sizes : new int[][] {{100_000, 50_000}, {300_000, 200_000}}) {
            boolean multipart = sizes[0] >= 128 * 1024;
            c.refuse(y, "file shrinks from " + sizes[0] + " to " + sizes[1] + " B between Payload.of(Path) and the save ("
                            + (multipart ? "multipart" : "single request") + ")", InvalidInputException.class, "declared " + sizes[0] + " bytes")
                    .reactive().perStore()
                    .setup(e -> {
                        Files.createDirectories(Scale.workDir());
                        Path f = Files.createTempFile(Scale.workDir(), "shrinking", ".bin");
                        Files.write(f, new byte[sizes[0]]);
                        e.values.put("payload", Payload.of(f));
                        Files.write(f, new byte[sizes[1]]);
                        return null;
                    })
                    .act(e -> save(e, "a", (Payload) e.values.get("payload")));
        }

        // ------------------------------------------------------------------ store options
        String o = "store options";
        c.refuse(o, "unknown option 'regoin'", InvalidInputException.class, "unknown s3 store option(s) [regoin]")
                .act(e -> StoreOptions.of("s3", Map.of("regoin", "eu-west-1"), Set.of("region"), Set.of()));
        c.refuse(o, "positive integer 'abc'", InvalidInputException.class, "must be a positive integer, got 'abc'")
                .act(e -> StoreOptions.of("x", Map.of("n", "abc"), Set.of("n"), Set.of()).positiveInt("n", 1));
        c.refuse(o, "boolean 'maybe'", InvalidInputException.class, "must be true or false, got 'maybe'")
                .act(e -> StoreOptions.of("x", Map.of("b", "maybe"), Set.of("b"), Set.of()).bool("b", true));
        c.refuse(o, "duration 'forever'", InvalidInputException.class, "must be a duration such as")
                .act(e -> StoreOptions.of("x", Map.of("d", "forever"), Set.of("d"), Set.of()).duration("d", Duration.ZERO));
        c.refuse(o, "size '-5'", InvalidInputException.class, "must be a size such as")
                .act(e -> StoreOptions.of("x", Map.of("s", "-5"), Set.of("s"), Set.of()).size("s", 1));
        c.refuse(o, "duration '-5s'", InvalidInputException.class, "must be a duration such as")
                .act(e -> StoreOptions.of("x", Map.of("d", "-5s"), Set.of("d"), Set.of()).duration("d", Duration.ZERO));

        // ------------------------------------------------------------------ many hosts
        String h = "commit (many hosts)";
        Catalogue.Step begin = e -> {
            e.values.put("id", e.cp.begin().block(Workload.TIMEOUT));
            return null;
        };
        Catalogue.Step abort = e -> e.cp.abort((CheckpointId) e.values.get("id"));
        c.refuse(h, "an entry that was never staged", InvalidInputException.class, "was never staged").reactive().perStore().setup(begin).cleanup(abort)
                .act(e -> {
                    CheckpointId id = (CheckpointId) e.values.get("id");
                    return e.cp.commit(id, CheckpointMetadata.empty(), List.of(PartitionEntry.stored("a", 0, PartitionKind.SNAPSHOT,
                            "checkpoints/" + id.padded() + "/a/0.ghost.snapshot", 0, 10, SHA_OF_10_ZEROS)));
                });
        c.refuse(h, "an entry of another checkpoint", InvalidInputException.class, "is not an artifact of checkpoint").reactive().perStore().setup(begin).cleanup(abort)
                .act(e -> e.cp.commit((CheckpointId) e.values.get("id"), CheckpointMetadata.empty(), List.of(PartitionEntry.stored("a", 0,
                        PartitionKind.SNAPSHOT, "checkpoints/" + CheckpointId.of(1).padded() + "/manifest.json", 0, 10, SHA_OF_10_ZEROS))));
        c.refuse(h, "an entry naming the checkpoint's own manifest", InvalidInputException.class, "is not an artifact of checkpoint").reactive().perStore()
                .setup(begin).cleanup(abort)
                .act(e -> {
                    CheckpointId id = (CheckpointId) e.values.get("id");
                    return e.cp.commit(id, CheckpointMetadata.empty(), List.of(PartitionEntry.stored("a", 0, PartitionKind.SNAPSHOT,
                            "checkpoints/" + id.padded() + "/manifest.json", 0, 10, SHA_OF_10_ZEROS)));
                });
        c.refuse(h, "an entry key climbing out: checkpoints/N/../../_latest", InvalidInputException.class, "is not an artifact of checkpoint").reactive().perStore()
                .setup(begin).cleanup(abort)
                .act(e -> {
                    CheckpointId id = (CheckpointId) e.values.get("id");
                    return e.cp.commit(id, CheckpointMetadata.empty(), List.of(PartitionEntry.stored("a", 0, PartitionKind.SNAPSHOT,
                            "checkpoints/" + id.padded() + "/../../_latest", 0, 10, SHA_OF_10_ZEROS)));
                });
        c.refuse(h, "an entry with a bad SHA-256 and a negative size", InvalidInputException.class, "sha256 must be 64 lower-case hex digits").reactive()
                .perStore().setup(begin).cleanup(abort)
                .act(e -> {
                    CheckpointId id = (CheckpointId) e.values.get("id");
                    return e.cp.commit(id, CheckpointMetadata.empty(), List.of(PartitionEntry.stored("a", 0, PartitionKind.SNAPSHOT,
                            "checkpoints/" + id.padded() + "/a/0.x.snapshot", 0, -5, "XYZ")));
                });

        // ------------------------------------------------------------------ manifests in the store
        // Protocol v2 reads only the chain: each hostile file is planted as checkpoint 2 with a sealed pointer naming it
        // (see plant), and loaded by a fresh checkpointer.
        String f = "stored manifest (load of id 2, linked from _latest)";
        Catalogue.Step load2 = e -> fresh(e).load(CheckpointId.of(2));
        c.refuse(f, "not JSON: \"hello\"", CorruptMetadataException.class, "not valid JSON").reactive().perStore()
                .setup(plant("hello".getBytes(StandardCharsets.UTF_8))).cleanup(UNPLANT).act(load2);
        c.refuse(f, "empty file", CorruptMetadataException.class, "not a JSON object").reactive().perStore().setup(plant(new byte[0])).cleanup(UNPLANT).act(load2);
        c.refuse(f, "a JSON array", CorruptMetadataException.class, "not a JSON object").reactive().perStore()
                .setup(plant("[1,2]".getBytes(StandardCharsets.UTF_8))).cleanup(UNPLANT).act(load2);
        c.refuse(f, "another format", CorruptMetadataException.class, "not a checkpointer manifest").reactive().perStore()
                .setup(plant("{\"format\":\"evil\",\"bodySha256\":\"00\",\"manifest\":{}}".getBytes(StandardCharsets.UTF_8))).cleanup(UNPLANT).act(load2);
        c.refuse(f, "a pointer envelope at a manifest key", CorruptMetadataException.class, "format is 'checkpointer-pointer'").reactive().perStore()
                .setup(plant(parent -> StoredJson.seal(StoredJson.POINTER, body("").replace(PARENT, parent).getBytes(StandardCharsets.UTF_8))))
                .cleanup(UNPLANT).act(load2);
        c.refuse(f, "body changed, digest not", CorruptMetadataException.class, "body digest mismatch").reactive().perStore()
                .setup(plant(parent -> new String(sealed(body("").replace(PARENT, parent)), StandardCharsets.UTF_8).replace("\"epoch\":1", "\"epoch\":9")
                        .getBytes(StandardCharsets.UTF_8)))
                .cleanup(UNPLANT).act(load2);
        c.refuse(f, "trailing content after the envelope", CorruptMetadataException.class, "trailing content").reactive().perStore()
                .setup(plant(parent -> (new String(sealed(body("").replace(PARENT, parent)), StandardCharsets.UTF_8) + "{}").getBytes(StandardCharsets.UTF_8)))
                .cleanup(UNPLANT).act(load2);
        c.refuse(f, "nesting 5,000 deep", CorruptMetadataException.class, "corrupt or invalid metadata").reactive().perStore()
                .setup(plant(("{\"format\":\"checkpointer-manifest\",\"manifest\":" + "[".repeat(5000)).getBytes(StandardCharsets.UTF_8))).cleanup(UNPLANT).act(load2);
        c.refuse(f, "sealed, nesting 3,000 deep in metadata", CorruptMetadataException.class, "nesting depth").reactive().perStore()
                .setup(plantSealed(body(",\"metadata\":" + "[".repeat(3000) + "]".repeat(3000)))).cleanup(UNPLANT).act(load2);
        String newer = (dev.checkpointer.Manifest.FORMAT_MAJOR + 1) + ".0";
        c.refuse(f, "sealed, format " + newer + " (a newer major)", IncompatibleCheckpointException.class, "upgrade checkpointer").reactive().perStore()
                .setup(plantSealed(body("").replace("\"2.0\"", "\"" + newer + "\""))).cleanup(UNPLANT).act(load2);
        c.refuse(f, "sealed, claims id 7", CorruptMetadataException.class, "says it is checkpoint 7").reactive().perStore()
                .setup(plantSealed(body("").replace("\"id\":2", "\"id\":7"))).cleanup(UNPLANT).act(load2);
        c.refuse(f, "sealed, parent link not below its own id", CorruptMetadataException.class, "parent 2 is not below the checkpoint's own id 2")
                .reactive().perStore().setup(plantSealed(body("").replace("\"parent\":{\"id\":1", "\"parent\":{\"id\":2"))).cleanup(UNPLANT).act(load2);
        c.refuse(f, "sealed, no createdAt", CorruptMetadataException.class, "createdAt: is missing").reactive().perStore()
                .setup(plantSealed(body("").replace("\"createdAt\":\"2026-01-01T00:00:00Z\",", ""))).cleanup(UNPLANT).act(load2);
        c.refuse(f, "sealed, epoch 0, size -5, bad sha, key outside (every problem listed)", CorruptMetadataException.class,
                        "epoch must be >= 1, got 0; partitions[0] (a/0): size must be >= 0, got -5; partitions[0] (a/0): sha256 must be 64 lower-case hex digits; "
                                + "partitions[0] (a/0): key 'k' is not an artifact of checkpoint 2").reactive().perStore()
                .setup(plantSealed(body(entry("\"key\":\"k\",\"offset\":0,\"size\":-5,\"sha256\":\"XYZ\"")).replace("\"epoch\":1", "\"epoch\":0")))
                .cleanup(UNPLANT).act(load2);
        String a2 = "checkpoints/" + CheckpointId.of(2).padded() + "/a/0.x.snapshot";
        c.refuse(f, "sealed, operator \"..\"", CorruptMetadataException.class, "must not be '..'").reactive().perStore()
                .setup(plantSealed(body(entry("\"key\":\"" + a2 + "\",\"offset\":0,\"size\":10,\"sha256\":\"" + SHA_OF_10_ZEROS + "\"").replace("\"a\"", "\"..\""))))
                .cleanup(UNPLANT).act(load2);
        c.refuse(f, "sealed, inline and key both set", CorruptMetadataException.class, "has both an inline value and a key").reactive().perStore()
                .setup(plantSealed(body(entry("\"key\":\"" + a2 + "\",\"offset\":0,\"size\":1,\"sha256\":\"" + SHA_OF_10_ZEROS + "\",\"inline\":\"AA==\""))))
                .cleanup(UNPLANT).act(load2);
        c.refuse(f, "sealed, inline length differs from size", CorruptMetadataException.class, "inline value has 1 bytes but size says 10").reactive().perStore()
                .setup(plantSealed(body(entry("\"offset\":0,\"size\":10,\"sha256\":\"" + SHA_OF_10_ZEROS + "\",\"inline\":\"AA==\""))))
                .cleanup(UNPLANT).act(load2);
        c.refuse(f, "sealed, size 1e400", CorruptMetadataException.class, "size: expected a whole number").reactive().perStore()
                .setup(plantSealed(body(entry("\"key\":\"" + a2 + "\",\"offset\":0,\"size\":1e400,\"sha256\":\"" + SHA_OF_10_ZEROS + "\"")))).cleanup(UNPLANT).act(load2);
        c.refuse(f, "sealed, kind \"WEIRD\"", CorruptMetadataException.class, "unknown kind 'WEIRD'").reactive().perStore()
                .setup(plantSealed(body(entry("\"key\":\"" + a2 + "\",\"offset\":0,\"size\":1,\"sha256\":\"" + SHA_OF_10_ZEROS + "\"").replace("SNAPSHOT", "WEIRD"))))
                .cleanup(UNPLANT).act(load2);
        c.refuse(f, "sealed, partitions [null]", CorruptMetadataException.class, "partitions[0]: expected an object").reactive().perStore()
                .setup(plantSealed(body(",\"partitions\":[null]"))).cleanup(UNPLANT).act(load2);
        c.refuse(f, "sealed, createdAt \"not a date\"", CorruptMetadataException.class, "not an ISO-8601 instant").reactive().perStore()
                .setup(plantSealed(body("").replace("2026-01-01T00:00:00Z", "not a date"))).cleanup(UNPLANT).act(load2);
        c.refuse(f, "sealed, an entry key climbing out (../../etc/passwd): refused at load", CorruptMetadataException.class,
                        "key '../../etc/passwd' is not an artifact of checkpoint 2").reactive()
                .perStore().setup(plantSealed(body(entry("\"key\":\"../../etc/passwd\",\"offset\":0,\"size\":10,\"sha256\":\"" + SHA_OF_10_ZEROS + "\""))))
                .cleanup(UNPLANT).act(e -> fresh(e).load(CheckpointId.of(2)).flatMap(cp -> cp.read("a", 0)));
        c.refuse(f, "sealed, an entry naming _latest: refused at load", CorruptMetadataException.class, "key '_latest' is not an artifact of checkpoint 2").reactive()
                .perStore().setup(plantSealed(body(entry("\"key\":\"_latest\",\"offset\":0,\"size\":10,\"sha256\":\"" + SHA_OF_10_ZEROS + "\""))))
                .cleanup(UNPLANT).act(e -> fresh(e).load(CheckpointId.of(2)).flatMap(cp -> cp.read("a", 0)));
        c.refuse(f, "checkpoint 1 read by a checkpointer expecting fingerprint 'pipeline-v2'", IncompatibleCheckpointException.class,
                        "expected 'pipeline-v2'").reactive().perStore()
                .act(e -> Workload.builder(e.store).expectFingerprint("pipeline-v2").build().load(CheckpointId.of(1)));

        // ------------------------------------------------------------------ the pointer in the store
        // v1 called the engine's pointer decoder here; it is not public any more. Through the engine: reads recover
        // from a lost pointer (R4 checks that), writes are refused until it is repaired.
        String q = "stored _latest pointer";
        c.refuse(q, "_latest is \"{}\": a save", CorruptMetadataException.class, "writes need the pointer repaired first").reactive().perStore()
                .setup(pointerOf(x -> "{}".getBytes(StandardCharsets.UTF_8))).cleanup(RESTORE_POINTER)
                .act(e -> fresh(e).save(Snapshot.builder().partition("a", 0, Payload.of(Workload.bytes(5000, 3))).build()));
        c.refuse(q, "_latest sealed with epoch 0: a save", CorruptMetadataException.class, "epoch: must be >= 1, got 0").reactive().perStore()
                .setup(pointerOf(x -> pointerWith(x, "epoch", 0L))).cleanup(RESTORE_POINTER)
                .act(e -> fresh(e).save(Snapshot.builder().partition("a", 0, Payload.of(Workload.bytes(5000, 3))).build()));
        c.refuse(q, "_latest sealed with a floor above its head: prune()", CorruptMetadataException.class, "floor: must be between 0 and the head's id")
                .reactive().perStore().setup(pointerOf(x -> pointerWith(x, "floor", 5L))).cleanup(RESTORE_POINTER).act(e -> fresh(e).prune());
        c.refuse(q, "_latest body altered, digest not: delete(1)", CorruptMetadataException.class, "body digest mismatch").reactive().perStore()
                .setup(pointerOf(x -> new String(x, StandardCharsets.UTF_8).replace("\"floor\":0", "\"floor\":1").getBytes(StandardCharsets.UTF_8)))
                .cleanup(RESTORE_POINTER).act(e -> fresh(e).delete(CheckpointId.of(1)));
        c.refuse(q, "_latest missing while checkpoint 1 exists: begin()", CorruptMetadataException.class, "is missing but checkpoints exist").reactive().perStore()
                .setup(DELETE_POINTER).cleanup(RESTORE_POINTER).act(e -> fresh(e).begin());
        c.refuse(q, "_latest sealed, format " + newer + " (a newer major): a save", IncompatibleCheckpointException.class, "upgrade checkpointer")
                .reactive().perStore().setup(pointerOf(x -> pointerWith(x, "formatVersion", newer))).cleanup(RESTORE_POINTER)
                .act(e -> fresh(e).save(Snapshot.builder().partition("a", 0, Payload.of(Workload.bytes(5000, 3))).build()));
        c.refuse(q, "_latest sealed, naming a manifest digest checkpoint 1 does not have: load(1)", CorruptMetadataException.class, "differs from the")
                .reactive().perStore().setup(pointerOf(x -> pointerWith(x, "manifestSha256", SHA_OF_10_ZEROS))).cleanup(RESTORE_POINTER)
                .act(e -> fresh(e).load(CheckpointId.of(1)));
        return c;
    }
}
