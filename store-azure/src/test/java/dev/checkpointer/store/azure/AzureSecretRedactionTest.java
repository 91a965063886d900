package dev.checkpointer.store.azure;

import dev.checkpointer.spi.ObjectStore;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.StackTraceElementProxy;
import ch.qos.logback.core.read.ListAppender;
import com.azure.core.http.policy.HttpLogDetailLevel;
import com.azure.core.http.policy.HttpLogOptions;
import com.azure.storage.blob.BlobContainerAsyncClient;
import com.azure.storage.blob.BlobContainerClientBuilder;
import com.azure.storage.blob.BlobServiceClientBuilder;
import com.azure.storage.common.sas.AccountSasPermission;
import com.azure.storage.common.sas.AccountSasResourceType;
import com.azure.storage.common.sas.AccountSasService;
import com.azure.storage.common.sas.AccountSasSignatureValues;
import dev.checkpointer.Payload;
import dev.checkpointer.spi.ByteRange;
import dev.checkpointer.spi.Buffers;
import dev.checkpointer.spi.PutOptions;
import dev.checkpointer.store.azure.internal.Redactor;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

/**
 * Secrets (account keys, SAS tokens and their signatures, connection strings, customer-provided keys) never reach a
 * log line, an exception message or cause, or a {@code toString()}: every log event of the Azure SDK and the store is
 * captured at DEBUG (Reactor Netty's at INFO) while stores succeed and fail with each kind of credential, and
 * searched.
 *
 * <p>One limit, documented in the README: at DEBUG, Reactor Netty's {@code reactor.netty.http.client} loggers print
 * each request URI, and a SAS token is part of the URI. {@link #reactorNettyDebugLogsPrintSasSignatures} pins that
 * fact so that the documentation stays true.
 */
@ExtendWith(AzuriteExtension.class)
class AzureSecretRedactionTest {
    private static final String CONTAINER = "secrets";
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final String[] LOGGERS = {"com.azure", "dev.checkpointer", "com.github.tomakehurst"};

    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
    private final Map<String, Level> saved = new HashMap<>();
    private final List<Throwable> errors = new ArrayList<>();
    private final List<String> texts = new ArrayList<>();

    @BeforeAll
    static void container() {
        Azurite.shared().container(CONTAINER);
    }

    @BeforeEach
    void capture() {
        LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
        appender.setContext(ctx);
        appender.start();
        ctx.getLogger(Logger.ROOT_LOGGER_NAME).addAppender(appender);
        for (String name : LOGGERS) {
            Logger l = ctx.getLogger(name);
            saved.put(name, l.getLevel());
            l.setLevel(Level.DEBUG);
        }
        Logger batch = ctx.getLogger("com.azure.storage.blob.batch");
        saved.put(batch.getName(), batch.getLevel());
        batch.setLevel(Level.DEBUG);
        Logger netty = ctx.getLogger("reactor.netty");
        saved.put(netty.getName(), netty.getLevel());
        netty.setLevel(Level.INFO);
    }

    @AfterEach
    void release() {
        LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
        ctx.getLogger(Logger.ROOT_LOGGER_NAME).detachAppender(appender);
        saved.forEach((name, level) -> ctx.getLogger(name).setLevel(level));
    }

    private static String randomBase64(int bytes, long seed) {
        byte[] b = new byte[bytes];
        new Random(seed).nextBytes(b);
        return Base64.getEncoder().encodeToString(b);
    }

    private static String accountSas() {
        return new BlobServiceClientBuilder().connectionString(Azurite.shared().connectionString()).buildClient()
                .generateAccountSas(new AccountSasSignatureValues(OffsetDateTime.now().plusHours(1), AccountSasPermission.parse("racwdl"),
                        new AccountSasService().setBlobAccess(true), new AccountSasResourceType().setContainer(true).setObject(true)));
    }

    /** Runs a call, keeping its error (if any) for the search. */
    private void run(Mono<?> call) {
        Throwable e = call.then(Mono.<Throwable>empty()).onErrorResume(Mono::just).block(TIMEOUT);
        if (e != null) {
            errors.add(e);
        }
    }

    private void runThrowing(Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            errors.add(e);
        }
    }

    /** A snapshot of the captured events (appends come from Netty threads; AppenderBase appends under its lock). */
    private List<ILoggingEvent> events() {
        synchronized (appender) {
            return new ArrayList<>(appender.list);
        }
    }

    private void assertNoneContains(String... secrets) {
        List<String> haystack = new ArrayList<>(texts);
        for (ILoggingEvent event : events()) {
            haystack.add(event.getFormattedMessage());
            for (IThrowableProxy t = event.getThrowableProxy(); t != null; t = t.getCause()) {
                haystack.add(t.getClassName() + ": " + t.getMessage());
                for (StackTraceElementProxy s : t.getStackTraceElementProxyArray()) {
                    haystack.add(s.getSTEAsString());
                }
            }
        }
        for (Throwable e : errors) {
            haystack.add(AzureBlobStoreBuilderTest.stackTrace(e));
            haystack.add(String.valueOf(e));
        }
        assertThat(events()).as("log events captured").isNotEmpty();
        assertThat(errors).as("failures provoked").isNotEmpty();
        for (String secret : secrets) {
            String decoded = URLDecoder.decode(secret, StandardCharsets.UTF_8);
            for (String text : haystack) {
                if (text != null && (text.contains(secret) || text.contains(decoded))) {
                    throw new AssertionError("a secret leaked into: " + text.replace(secret, "<SECRET>").replace(decoded, "<SECRET>"));
                }
            }
        }
    }

    @Test
    void accountKeysAndConnectionStringsStayOutOfLogsAndErrors() {
        String wrongKey = randomBase64(64, 1);
        ObjectStore good = AzureBlobStore.builder().container(CONTAINER).prefix("key").endpoint(Azurite.shared().endpoint())
                .accountName(Azurite.ACCOUNT).accountKey(Azurite.KEY).build();
        run(good.put("k", Payload.of(new byte[] {1}), PutOptions.none()));
        run(good.put("k", Payload.of(new byte[] {1}), PutOptions.ifAbsent())); // 409
        run(good.head("missing")); // 404
        run(good.deleteAll(List.of("k", "never-written")));
        texts.add(good.toString());

        ObjectStore bad = AzureBlobStore.builder().container(CONTAINER).endpoint(Azurite.shared().endpoint()).accountName(Azurite.ACCOUNT)
                .accountKey(wrongKey).build();
        run(bad.put("k", Payload.of(new byte[] {1}), PutOptions.none())); // 403
        run(bad.list("").then());
        run(bad.deleteAll(List.of("a", "b")));
        String badCs = "DefaultEndpointsProtocol=http;AccountName=acct;AccountKey=" + wrongKey + ";BlobEndpoint=::not a url::";
        runThrowing(() -> AzureBlobStore.builder().container(CONTAINER).connectionString(badCs).build());
        runThrowing(() -> AzureBlobStore.builder().options(Map.of("accountKey", "%%" + wrongKey)));
        String wrongCs = Azurite.shared().connectionString().replace(Azurite.KEY, wrongKey);
        ObjectStore viaCs = AzureBlobStore.builder().container(CONTAINER).connectionString(wrongCs).build();
        run(viaCs.get("k", ByteRange.ALL));
        texts.add(viaCs.describe());
        ObjectStore unreachable = AzureBlobStore.builder().container(CONTAINER).connectionString(wrongCs.replace(":" + Azurite.shared().port(), ":1"))
                .build();
        run(unreachable.head("k")); // connection refused
        assertNoneContains(Azurite.KEY, wrongKey, wrongCs, badCs);
    }

    @Test
    void sasTokensStayOutOfLogsAndErrors() {
        String sas = accountSas();
        String sig = sas.replaceAll(".*sig=([^&]+).*", "$1");
        String forged = randomBase64(32, 2);
        String wrong = sas.replace(sig, java.net.URLEncoder.encode(forged, StandardCharsets.UTF_8));
        ObjectStore good = AzureBlobStore.builder().container(CONTAINER).prefix("sas").endpoint(Azurite.shared().endpoint()).sasToken(sas).build();
        run(good.put("k", Payload.of(new byte[] {1}), PutOptions.none()));
        run(good.put("k", Payload.of(new byte[] {2}), PutOptions.ifMatch("0xSTALE"))); // 412
        run(good.get("k", ByteRange.of(5, 1)).flatMap(c -> Buffers.join(c.body()))); // 416 path
        texts.add(good.describe());
        ObjectStore bad = AzureBlobStore.builder().container(CONTAINER).endpoint(Azurite.shared().endpoint()).sasToken(wrong).build();
        run(bad.put("k", Payload.of(new byte[] {1}), PutOptions.none()));
        run(bad.list("").then());
        run(bad.deleteAll(List.of("k")));
        // A client of the caller's own with the SDK's full HTTP logging on: the SDK redacts the signature.
        BlobContainerAsyncClient logging = new BlobContainerClientBuilder().endpoint(Azurite.shared().endpoint()).containerName(CONTAINER).sasToken(wrong)
                .httpLogOptions(new HttpLogOptions().setLogLevel(HttpLogDetailLevel.BODY_AND_HEADERS)).retryOptions(AzureBlobStoreBuilder.noRetries())
                .buildAsyncClient();
        run(AzureBlobStore.builder().client(logging).build().head("k"));
        assertNoneContains(sas, sig, forged, wrong);
    }

    @Test
    void reactorNettyDebugLogsPrintSasSignatures() {
        String sas = accountSas();
        String sig = sas.replaceAll(".*sig=([^&]+).*", "$1");
        ((LoggerContext) LoggerFactory.getILoggerFactory()).getLogger("reactor.netty").setLevel(Level.DEBUG);
        ObjectStore store = AzureBlobStore.builder().container(CONTAINER).prefix("sas-debug").endpoint(Azurite.shared().endpoint()).sasToken(sas).build();
        store.put("k", Payload.of(new byte[] {1}), PutOptions.none()).block(TIMEOUT);
        assertThat(events()).as("Reactor Netty at DEBUG logs request URIs, SAS included: keep it at INFO with SAS tokens")
                .anySatisfy(e -> assertThat(e.getLoggerName()).startsWith("reactor.netty"))
                .anySatisfy(e -> assertThat(e.getFormattedMessage()).contains(sig));
    }

    @Test
    void customerProvidedKeysStayOutOfLogsAndErrors() {
        String cpk = randomBase64(32, 3);
        String otherCpk = randomBase64(32, 4);
        try (AzuriteProxy proxy = new AzuriteProxy()) {
            ObjectStore store = AzureBlobStore.builder().client(proxy.httpsClient(CONTAINER)).prefix("cpk").customerProvidedKey(cpk).build();
            run(store.put("k", Payload.of(new byte[] {1, 2}), PutOptions.none()));
            run(store.readAll("k"));
            run(store.put("k", Payload.of(new byte[] {3}), PutOptions.ifAbsent())); // 409
            texts.add(store.toString());
            ObjectStore other = AzureBlobStore.builder().client(proxy.httpsClient(CONTAINER)).prefix("cpk").customerProvidedKey(otherCpk).build();
            run(other.readAll("k"));
            runThrowing(() -> AzureBlobStore.builder().connectionString(Azurite.shared().connectionString()).container(CONTAINER)
                    .customerProvidedKey(otherCpk).build()); // refused over HTTP
            runThrowing(() -> AzureBlobStore.builder().customerProvidedKey(cpk.substring(4)));
        }
        assertNoneContains(cpk, otherCpk);
    }

    @Test
    void theRedactorMasksWhatLooksLikeASecret() {
        Redactor r = Redactor.patternsOnly();
        assertThat(r.redact("GET https://a.blob.core.windows.net/c/b?sv=2025-11-05&sig=abc%2Bdef%3D&se=x"))
                .isEqualTo("GET https://a.blob.core.windows.net/c/b?sv=2025-11-05&sig=****&se=x");
        assertThat(r.redact("AccountName=a;AccountKey=c2VjcmV0;EndpointSuffix=x")).isEqualTo("AccountName=a;AccountKey=****;EndpointSuffix=x");
        assertThat(r.redact("Authorization: SharedKey acct:c2lnbmF0dXJl")).isEqualTo("Authorization: SharedKey acct:****");
        assertThat(r.redact("x-ms-encryption-key: a2V5a2V5")).isEqualTo("x-ms-encryption-key: ****");
        assertThat(r.redact("Authorization: Bearer eyJhbGciOi.x.y")).isEqualTo("Authorization: Bearer ****");
        assertThat(r.redact("The MAC signature found in the HTTP request 'c2ln' is not the same")).isEqualTo("The MAC signature found in the HTTP request '****' is not the same");
        Redactor known = Redactor.of(List.of("my-very-secret-value", "AccountName=visible-account;AccountKey=a2V5K2tleS9rZXk9;BlobEndpoint=http://h/x",
                "sv=2025-11-05&sp=r&sig=c2ln%2Bc2ln%3D"));
        assertThat(known.redact("oops my-very-secret-value leaked")).isEqualTo("oops **** leaked");
        assertThat(known.redact("key a2V5K2tleS9rZXk9 of visible-account at http://h/x")).isEqualTo("key **** of visible-account at http://h/x");
        assertThat(known.redact("decoded c2ln+c2ln= and encoded c2ln%2Bc2ln%3D, version 2025-11-05")).isEqualTo("decoded **** and encoded ****, version 2025-11-05");
        Throwable chain = known.scrub(new IllegalStateException("outer my-very-secret-value", new java.io.IOException("inner sig=zzz")));
        assertThat(AzureBlobStoreBuilderTest.stackTrace(chain)).doesNotContain("my-very-secret-value").doesNotContain("zzz")
                .contains("java.lang.IllegalStateException", "java.io.IOException");
    }
}
