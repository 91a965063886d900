package dev.checkpointer.reliability;

import dev.checkpointer.Checkpoint;
import dev.checkpointer.CheckpointListener;
import dev.checkpointer.Checkpointer;
import dev.checkpointer.Manifest;
import dev.checkpointer.Payload;
import dev.checkpointer.SaveOutcome;
import dev.checkpointer.Snapshot;
import dev.checkpointer.spi.ObjectStore;
import dev.checkpointer.spi.PutOptions;
import dev.checkpointer.spi.StoreLocation;
import dev.checkpointer.spi.StoreOptions;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.jspecify.annotations.Nullable;


/**
 * The catalogue of R6: places where a secret can be handed to checkpointer (options maps, URI queries, URI
 * user-info, option values that fail validation) and a scenario for each that exercises every path the secret could
 * leak through (opening, saving and restoring under retried faults, corrupt checkpoints, errors, closing). R6 runs
 * each scenario with every log event captured and then looks for the secret in every log message and argument,
 * every exception message of every cause (and suppressed) in the chains it saw, and every {@code toString()} of
 * the stores, checkpointers, options and values the scenario hands back.
 *
 * <h2>When the S3 and Azure stores are added</h2>
 * Add their cases here, with the real secret option names, in the same shape as the canary cases: for S3
 * {@code accessKeyId}, {@code secretAccessKey}, {@code sessionToken}, {@code sseCustomerKey} (options map and URI
 * query), for Azure {@code accountKey}, {@code sasToken} (also as a SAS query string in the URI),
 * {@code connectionString} and {@code customerProvidedKey}; open the store against its emulator and run
 * {@link #workload} on it. Also add one case per store where the server rejects the credentials (an access-denied
 * error), since SDK error messages are where access key ids typically appear.
 */
final class SecretCases {
    private SecretCases() {}

    /** A fresh secret value, recognisable in any output. */
    static String secret(String label) {
        return "S3CR3T-" + label + "-" + UUID.randomUUID().toString().replace("-", "");
    }

    /** What a scenario hands back for inspection. */
    static final class Seen {
        final List<Throwable> errors = new ArrayList<>();
        final List<Object> objects = new ArrayList<>();

        void error(Throwable t) {
            synchronized (errors) {
                errors.add(t);
            }
        }

        void object(@Nullable Object o) {
            if (o != null) {
                synchronized (objects) {
                    objects.add(o);
                }
            }
        }
    }

    /** A scenario. */
    @FunctionalInterface
    interface Scenario {
        void run(Seen seen) throws Exception;
    }

    /**
     * One way a secret can reach checkpointer.
     *
     * @param name what is tried
     * @param secrets the values that must never appear
     * @param scenario what is run with them
     * @param knownIssue the known issue it shows, or null
     */
    record Case(String name, List<String> secrets, Scenario scenario, @Nullable String knownIssue) {}

    /** Runs a call, recording what it throws instead of failing. */
    static void attempt(Seen seen, Scenario s) {
        try {
            s.run(seen);
        } catch (Throwable t) {
            seen.error(t);
        }
    }

    /**
     * Saves, restores, lists, loads, reads, corrupts a checkpoint and restores again, deletes and prunes through an
     * opened checkpointer, recording errors (also those given to listeners) and the values to inspect.
     */
    static void workload(dev.checkpointer.CheckpointerBuilder withSecrets, ObjectStore tamper, Seen seen) {
        CheckpointListener listener = new CheckpointListener() {
            @Override
            public void onRetry(String operation, int attempt, Throwable error) {
                seen.error(error);
            }

            @Override
            public void onSaveFinished(SaveOutcome outcome) {
                seen.object(outcome);
                outcome.failure().ifPresent(seen::error);
            }

            @Override
            public void onCorruptCheckpoint(dev.checkpointer.CheckpointId id, dev.checkpointer.CheckpointException error) {
                seen.error(error);
            }
        };
        Checkpointer cp = withSecrets.listener(listener).retry(Workload.FAST_RETRY).inlineThreshold(1024).maxInlineBytes(1024)
                .partSize(64 * 1024).multipartThreshold(128 * 1024).build();
        seen.object(cp);
        Checkpointer observed = Workload.builder(tamper).build();
        for (int v = 1; v <= 4; v++) {
            int version = v;
            attempt(seen, x -> seen.object(cp.save(Workload.snapshot(version)).block(Workload.TIMEOUT)));
            attempt(seen, x -> seen.object(observed.save(Workload.snapshot(10 + version)).block(Workload.TIMEOUT)));
        }
        attempt(seen, x -> {
            Checkpoint c = cp.latest().block(Workload.TIMEOUT);
            seen.object(c);
            seen.object(c.manifest());
            Workload.verify(c);
        });
        attempt(seen, x -> cp.list().doOnNext(seen::object).blockLast(Workload.TIMEOUT));
        // A corrupt newest manifest: WARN logs, a listener call, and latest() falls back.
        attempt(seen, x -> {
            Manifest newest = cp.list().blockLast(Workload.TIMEOUT);
            String key = "checkpoints/" + newest.id().padded() + "/manifest.json";
            tamper.put(key, Payload.of("{\"garbage\":true}".getBytes(StandardCharsets.UTF_8)), PutOptions.none()).block(Workload.TIMEOUT);
            seen.object(observed.latest().block(Workload.TIMEOUT));
            cp.load(newest.id()).block(Workload.TIMEOUT);
        });
        attempt(seen, x -> cp.load(dev.checkpointer.CheckpointId.of(999)).block(Workload.TIMEOUT));
        attempt(seen, x -> cp.save(Snapshot.builder().partition("a", 0, Payload.of(() -> reactor.core.publisher.Flux.error(
                new IllegalStateException("source broke")), 5)).build()).block(Workload.TIMEOUT));
        attempt(seen, x -> seen.object(cp.prune().block(Workload.TIMEOUT)));
        attempt(seen, x -> cp.delete(dev.checkpointer.CheckpointId.of(1)).block(Workload.TIMEOUT));
        cp.close();
        attempt(seen, x -> cp.save(Workload.snapshot(99)).block(Workload.TIMEOUT)); // closed
        attempt(seen, x -> cp.latest().block(Workload.TIMEOUT));
    }

    static List<Case> all() {
        List<Case> cases = new ArrayList<>();

        // ---------------------------------------------------------------- StoreOptions, the shared option parser
        String k1 = secret("accessKeyId");
        String k2 = secret("secretAccessKey");
        cases.add(new Case("StoreOptions.of with secret options; toString(); a secret with a malformed value", List.of(k1, k2), seen -> {
            Map<String, String> values = new LinkedHashMap<>();
            values.put("region", "eu-west-1");
            values.put("accessKeyId", k1);
            values.put("secretAccessKey", k2);
            StoreOptions o = StoreOptions.of("s3", values, Set.of("region", "accessKeyId", "secretAccessKey"), Set.of("accessKeyId", "secretAccessKey"));
            seen.object(o);
            attempt(seen, x -> o.positiveInt("secretAccessKey", 1));
            attempt(seen, x -> o.bool("accessKeyId", false));
            attempt(seen, x -> o.size("secretAccessKey", 1));
            attempt(seen, x -> o.duration("secretAccessKey", java.time.Duration.ZERO));
        }, null));
        String k3 = secret("sasToken");
        cases.add(new Case("StoreOptions.of with an unknown option whose value is a secret", List.of(k3), seen ->
                attempt(seen, x -> StoreOptions.of("azblob", Map.of("sasTokn", k3), Set.of("sasToken"), Set.of("sasToken"))), null));

        // ---------------------------------------------------------------- memory provider: refuses every option
        String m1 = secret("memory-map");
        cases.add(new Case("memory: secret-looking option in the options map (refused: unknown)", List.of(m1), seen ->
                attempt(seen, x -> seen.object(Checkpointer.open("memory://secrets/p", Map.of("secretAccessKey", m1)))), null));
        String m2 = secret("memory-query");
        cases.add(new Case("memory: ?secretKey= in the URI query (refused: unknown)", List.of(m2), seen ->
                attempt(seen, x -> seen.object(Checkpointer.open("memory://secrets/p?secretKey=" + m2))), null));
        String m3 = secret("memory-sas");
        cases.add(new Case("memory: a SAS query string (?sv=…&sig=…) in the URI", List.of(m3), seen ->
                attempt(seen, x -> seen.object(Checkpointer.open("memory://secrets/p?sv=2024-01-01&ss=b&sig=" + m3))), null));
        String m4 = secret("memory-userinfo");
        cases.add(new Case("memory: credentials in the URI user-info (memory://user:SECRET@bucket)", List.of(m4), seen ->
                attempt(seen, x -> seen.object(Checkpointer.open("memory://admin:" + m4 + "@secrets/p"))), null));
        String m5 = secret("malformed");
        cases.add(new Case("a malformed URI carrying a secret (bad %-escape after it)", List.of(m5), seen ->
                attempt(seen, x -> seen.object(Checkpointer.open("memory://secrets/p?secretKey=" + m5 + "&x=%zz"))), null));
        String m6 = secret("no-module");
        cases.add(new Case("a URI of a scheme no module handles, with user-info and a query secret", List.of(m6), seen ->
                attempt(seen, x -> seen.object(Checkpointer.open("s3x://AKIA:" + m6 + "@bucket/p?secretKey=" + m6))), null));

        // ---------------------------------------------------------------- file provider
        String dir = Scale.workDir().resolve("r6").toUri().toString();
        String f1 = secret("file-query");
        cases.add(new Case("file: ?secretKey= in the URI query (refused: unknown)", List.of(f1), seen ->
                attempt(seen, x -> seen.object(Checkpointer.open(dir + "?secretKey=" + f1))), null));
        String f2 = secret("file-map");
        cases.add(new Case("file: secret-looking option in the options map (refused: unknown)", List.of(f2), seen ->
                attempt(seen, x -> seen.object(Checkpointer.open(dir, Map.of("sasToken", f2)))), null));
        String f3 = secret("file-userinfo-remote");
        cases.add(new Case("file: credentials in the user-info, remote host (file://user:SECRET@host/dir)", List.of(f3), seen ->
                attempt(seen, x -> seen.object(Checkpointer.open("file://admin:" + f3 + "@fileserver/srv/checkpoints"))), null));
        String f4 = secret("file-userinfo-localhost");
        cases.add(new Case("file: credentials in the user-info, localhost (file://user:SECRET@localhost/dir)", List.of(f4), seen ->
                attempt(seen, x -> seen.object(Checkpointer.open("file://admin:" + f4 + "@localhost/srv/checkpoints"))), null));
        String f5 = secret("file-userinfo-fragment");
        cases.add(new Case("file: credentials in the user-info and a #fragment", List.of(f5), seen ->
                attempt(seen, x -> seen.object(Checkpointer.open("file://admin:" + f5 + "@localhost/srv/checkpoints#x"))), null));

        // ---------------------------------------------------------------- a provider that takes credentials
        String c1 = secret("accessKey");
        String c2 = secret("secretKey");
        String c3 = secret("connectionString");
        cases.add(new Case("canary store opened with accessKey, secretKey and connectionString in the options map; full workload under 30% "
                + "transient faults", List.of(c1, c2, c3), seen -> {
                    Map<String, String> options = Map.of("accessKey", c1, "secretKey", c2,
                            "connectionString", "DefaultEndpointsProtocol=https;AccountName=a;AccountKey=" + c3, "faultRate", "0.3");
                    String uri = "canary://bucket-" + UUID.randomUUID() + "/jobs/clicks";
                    ObjectStore direct = new CanaryStoreProvider().open(URI.create(uri), options);
                    seen.object(direct);
                    seen.object(direct.describe());
                    workload(Checkpointer.builder().location(uri, options), new CanaryStoreProvider().open(URI.create(uri), Map.of()), seen);
                }, null));
        String c4 = secret("sasToken-query");
        String c5 = secret("secretKey-query");
        cases.add(new Case("canary store with sasToken and secretKey in the URI query; full workload under 30% transient faults",
                List.of(c4, c5), seen -> {
                    String uri = "canary://bucket-" + UUID.randomUUID() + "/jobs?region=eu&sasToken=" + c4 + "&secretKey=" + c5 + "&faultRate=0.3";
                    seen.object(StoreLocation.parse(URI.create(uri)));
                    workload(Checkpointer.builder().location(uri), new CanaryStoreProvider().open(URI.create(uri.substring(0, uri.indexOf('?'))), Map.of()), seen);
                }, null));
        String c6 = secret("unknown-with-secrets");
        cases.add(new Case("canary store: a misspelt option next to secret ones", List.of(c6), seen ->
                attempt(seen, x -> seen.object(Checkpointer.open("canary://b/p?secretKey=" + c6, Map.of("acessKey", c6)))), null));
        return cases;
    }

    /** The forms a secret may take in text: as given, and URL-encoded. */
    static List<String> forms(String secret) {
        String encoded = URLEncoder.encode(secret, StandardCharsets.UTF_8);
        return encoded.equals(secret) ? List.of(secret) : List.of(secret, encoded);
    }

}
