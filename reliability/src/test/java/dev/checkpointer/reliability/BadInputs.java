package dev.checkpointer.reliability;

import dev.checkpointer.CheckpointException;
import dev.checkpointer.CheckpointId;
import dev.checkpointer.CheckpointMetadata;
import dev.checkpointer.CheckpointNotFoundException;
import dev.checkpointer.Checkpointer;
import dev.checkpointer.ConcurrentCheckpointException;
import dev.checkpointer.CorruptMetadataException;
import dev.checkpointer.IncompatibleCheckpointException;
import dev.checkpointer.IntegrityException;
import dev.checkpointer.InvalidInputException;
import dev.checkpointer.PartitionEntry;
import dev.checkpointer.PartitionKind;
import dev.checkpointer.Payload;
import dev.checkpointer.Retention;
import dev.checkpointer.RetrySettings;
import dev.checkpointer.Snapshot;
import dev.checkpointer.internal.Pointer;
import dev.checkpointer.internal.Sha256;
import dev.checkpointer.spi.PutOptions;
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
    private static final String SHA_OF_10_ZEROS = Sha256.hex(new byte[10]);

    /** A manifest file with a valid envelope around the given body. */
    static byte[] sealed(String body) {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        return ("{\"format\":\"checkpointer-manifest\",\"bodySha256\":\"" + Sha256.hex(b) + "\",\"manifest\":" + body + "}\n")
                .getBytes(StandardCharsets.UTF_8);
    }

    private static String body(String extra) {
        return "{\"formatVersion\":\"1.0\",\"id\":2,\"epoch\":1,\"createdAt\":\"2026-01-01T00:00:00Z\"" + extra + "}";
    }

    private static String entry(String fields) {
        return ",\"partitions\":[{\"operator\":\"a\",\"partition\":0,\"kind\":\"SNAPSHOT\"," + fields + "}]";
    }

    private static Catalogue.Step plant(byte[] manifest) {
        return env -> env.store.put(MANIFEST_2, Payload.of(manifest), PutOptions.none());
    }

    private static final Catalogue.Step UNPLANT = env -> env.store.delete(MANIFEST_2);

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
        c.refuse(i, "save with id 1, already committed", ConcurrentCheckpointException.class, "by another writer")
                .reactive().perStore().act(e -> e.cp.save(Snapshot.builder().id(CheckpointId.of(1)).partition("a", 0, Payload.of(Workload.bytes(5000, 1))).build()));
        c.refuse(i, "abort(1), committed", ConcurrentCheckpointException.class, "is committed and cannot be aborted").reactive().perStore()
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
        c.refuse(h, "an entry key climbing out: checkpoints/N/../../_latest", InvalidInputException.class, "has a '..' segment").reactive().perStore()
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
        String f = "stored manifest (load of id 2)";
        Catalogue.Step load2 = e -> e.cp.load(CheckpointId.of(2));
        c.refuse(f, "not JSON: \"hello\"", CorruptMetadataException.class, "not valid JSON").reactive().perStore()
                .setup(plant("hello".getBytes(StandardCharsets.UTF_8))).cleanup(UNPLANT).act(load2);
        c.refuse(f, "empty file", CorruptMetadataException.class, "not a JSON object").reactive().perStore().setup(plant(new byte[0])).cleanup(UNPLANT).act(load2);
        c.refuse(f, "a JSON array", CorruptMetadataException.class, "not a JSON object").reactive().perStore()
                .setup(plant("[1,2]".getBytes(StandardCharsets.UTF_8))).cleanup(UNPLANT).act(load2);
        c.refuse(f, "another format", CorruptMetadataException.class, "not a checkpointer manifest").reactive().perStore()
                .setup(plant("{\"format\":\"evil\",\"bodySha256\":\"00\",\"manifest\":{}}".getBytes(StandardCharsets.UTF_8))).cleanup(UNPLANT).act(load2);
        c.refuse(f, "body changed, digest not", CorruptMetadataException.class, "body digest mismatch").reactive().perStore()
                .setup(plant(new String(sealed(body("")), StandardCharsets.UTF_8).replace("\"epoch\":1", "\"epoch\":9").getBytes(StandardCharsets.UTF_8)))
                .cleanup(UNPLANT).act(load2);
        c.refuse(f, "trailing content after the envelope", CorruptMetadataException.class, "trailing content").reactive().perStore()
                .setup(plant((new String(sealed(body("")), StandardCharsets.UTF_8) + "{}").getBytes(StandardCharsets.UTF_8))).cleanup(UNPLANT).act(load2);
        c.refuse(f, "nesting 5,000 deep", CorruptMetadataException.class, "corrupt or invalid metadata").reactive().perStore()
                .setup(plant(("{\"format\":\"checkpointer-manifest\",\"manifest\":" + "[".repeat(5000)).getBytes(StandardCharsets.UTF_8))).cleanup(UNPLANT).act(load2);
        c.refuse(f, "sealed, nesting 3,000 deep in metadata", CorruptMetadataException.class, "nesting depth").reactive().perStore()
                .setup(plant(sealed(body(",\"metadata\":" + "[".repeat(3000) + "]".repeat(3000))))).cleanup(UNPLANT).act(load2);
        c.refuse(f, "sealed, format 2.0", IncompatibleCheckpointException.class, "upgrade checkpointer").reactive().perStore()
                .setup(plant(sealed(body("").replace("\"1.0\"", "\"2.0\"")))).cleanup(UNPLANT).act(load2);
        c.refuse(f, "sealed, claims id 7", CorruptMetadataException.class, "claims id 7").reactive().perStore()
                .setup(plant(sealed(body("").replace("\"id\":2", "\"id\":7")))).cleanup(UNPLANT).act(load2);
        c.refuse(f, "sealed, epoch 0, no createdAt, bad sha, size -5 (every problem listed)", CorruptMetadataException.class,
                        "epoch must be >= 1, got 0; createdAt is missing; partitions[0] (a/0): size must be >= 0, got -5").reactive().perStore()
                .setup(plant(sealed(("{\"formatVersion\":\"1.0\",\"id\":2,\"epoch\":0" + entry("\"key\":\"k\",\"offset\":0,\"size\":-5,\"sha256\":\"XYZ\"") + "}"))))
                .cleanup(UNPLANT).act(load2);
        c.refuse(f, "sealed, operator \"..\"", CorruptMetadataException.class, "must not be '..'").reactive().perStore()
                .setup(plant(sealed(body(entry("\"key\":\"k\",\"offset\":0,\"size\":10,\"sha256\":\"" + SHA_OF_10_ZEROS + "\"").replace("\"a\"", "\"..\"")))))
                .cleanup(UNPLANT).act(load2);
        c.refuse(f, "sealed, inline and key both set", CorruptMetadataException.class, "has both an inline value and a key").reactive().perStore()
                .setup(plant(sealed(body(entry("\"key\":\"k\",\"offset\":0,\"size\":1,\"sha256\":\"" + SHA_OF_10_ZEROS + "\",\"inline\":\"AA==\"")))))
                .cleanup(UNPLANT).act(load2);
        c.refuse(f, "sealed, inline length differs from size", CorruptMetadataException.class, "inline value has 1 bytes but size says 10").reactive().perStore()
                .setup(plant(sealed(body(entry("\"offset\":0,\"size\":10,\"sha256\":\"" + SHA_OF_10_ZEROS + "\",\"inline\":\"AA==\"")))))
                .cleanup(UNPLANT).act(load2);
        c.refuse(f, "sealed, size 1e400", CorruptMetadataException.class, "does not bind").reactive().perStore()
                .setup(plant(sealed(body(entry("\"key\":\"k\",\"offset\":0,\"size\":1e400,\"sha256\":\"" + SHA_OF_10_ZEROS + "\""))))).cleanup(UNPLANT).act(load2);
        c.refuse(f, "sealed, kind \"WEIRD\"", CorruptMetadataException.class, "does not bind").reactive().perStore()
                .setup(plant(sealed(body(entry("\"key\":\"k\",\"offset\":0,\"size\":1,\"sha256\":\"" + SHA_OF_10_ZEROS + "\"").replace("SNAPSHOT", "WEIRD")))))
                .cleanup(UNPLANT).act(load2);
        c.refuse(f, "sealed, partitions [null]", CorruptMetadataException.class, "does not bind").reactive().perStore()
                .setup(plant(sealed(body(",\"partitions\":[null]")))).cleanup(UNPLANT).act(load2);
        c.refuse(f, "sealed, createdAt \"not a date\"", CorruptMetadataException.class, "does not bind").reactive().perStore()
                .setup(plant(sealed(body("").replace("2026-01-01T00:00:00Z", "not a date")))).cleanup(UNPLANT).act(load2);
        c.refuse(f, "sealed, an entry key climbing out (../../etc/passwd): refused when read", InvalidInputException.class, "has a '..' segment").reactive()
                .perStore().setup(plant(sealed(body(entry("\"key\":\"../../etc/passwd\",\"offset\":0,\"size\":10,\"sha256\":\"" + SHA_OF_10_ZEROS + "\"")))))
                .cleanup(UNPLANT).act(e -> e.cp.load(CheckpointId.of(2)).flatMap(cp -> cp.read("a", 0)));
        c.refuse(f, "sealed, an entry naming _latest: refused when read", IntegrityException.class, "integrity check failed for '_latest'").reactive()
                .perStore().setup(plant(sealed(body(entry("\"key\":\"_latest\",\"offset\":0,\"size\":10,\"sha256\":\"" + SHA_OF_10_ZEROS + "\"")))))
                .cleanup(UNPLANT).act(e -> e.cp.load(CheckpointId.of(2)).flatMap(cp -> cp.read("a", 0)));
        c.refuse(f, "checkpoint 1 read by a checkpointer expecting fingerprint 'pipeline-v2'", IncompatibleCheckpointException.class,
                        "expected 'pipeline-v2'").reactive().perStore()
                .act(e -> Workload.builder(e.store).expectFingerprint("pipeline-v2").build().load(CheckpointId.of(1)));
        c.refuse(f, "Pointer.decode of \"{}\"", CorruptMetadataException.class, "not a valid pointer").act(e -> Pointer.decode("_latest", "{}".getBytes(StandardCharsets.UTF_8)));
        c.refuse(f, "Pointer.decode of a pointer with epoch 0", CorruptMetadataException.class, "impossible values")
                .act(e -> Pointer.decode("_latest", Pointer.of(1, 0, "ab", "w").encode()));
        return c;
    }
}
