package dev.checkpointer.store.azure;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;

import com.azure.core.http.HttpClient;
import com.azure.core.http.netty.NettyAsyncHttpClientBuilder;
import com.azure.storage.blob.BlobContainerAsyncClient;
import com.azure.storage.blob.BlobContainerClientBuilder;
import com.azure.storage.common.StorageSharedKeyCredential;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.common.Slf4jNotifier;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;

/**
 * A WireMock server on 127.0.0.1 (HTTP and HTTPS) in front of the shared {@link Azurite}: every request is forwarded
 * unless a test stubs a fault for it, and every request is recorded, so tests can script 503s, 500s and connection
 * resets and assert on exactly what went over the wire.
 */
final class AzuriteProxy implements AutoCloseable {
    private final WireMockServer server;

    AzuriteProxy() {
        server = new WireMockServer(options().bindAddress("127.0.0.1").dynamicPort().dynamicHttpsPort().notifier(new Slf4jNotifier(false)));
        server.start();
        server.stubFor(any(anyUrl()).atPriority(100).willReturn(aResponse().proxiedFrom("http://127.0.0.1:" + Azurite.shared().port())));
    }

    WireMockServer server() {
        return server;
    }

    /** The development account's endpoint through the proxy, over HTTP. */
    String endpoint() {
        return "http://127.0.0.1:" + server.port() + "/" + Azurite.ACCOUNT;
    }

    /** The development account's endpoint through the proxy, over HTTPS (WireMock's self-signed certificate). */
    String httpsEndpoint() {
        return "https://127.0.0.1:" + server.httpsPort() + "/" + Azurite.ACCOUNT;
    }

    /** A connection string that goes through the proxy over HTTP. */
    String connectionString() {
        return "DefaultEndpointsProtocol=http;AccountName=" + Azurite.ACCOUNT + ";AccountKey=" + Azurite.KEY + ";BlobEndpoint=" + endpoint() + ";";
    }

    /**
     * A container client over HTTPS through the proxy, trusting its test certificate; one attempt per request.
     *
     * @param container the container
     * @return the client
     */
    BlobContainerAsyncClient httpsClient(String container) {
        return new BlobContainerClientBuilder()
                .endpoint(httpsEndpoint())
                .containerName(container)
                .credential(new StorageSharedKeyCredential(Azurite.ACCOUNT, Azurite.KEY))
                .serviceVersion(AzureBlobStoreBuilder.DEFAULT_SERVICE_VERSION)
                .retryOptions(AzureBlobStoreBuilder.noRetries())
                .httpClient(trustingHttpClient())
                .buildAsyncClient();
    }

    private static HttpClient trustingHttpClient() {
        SslContext ssl;
        try {
            ssl = SslContextBuilder.forClient().trustManager(InsecureTrustManagerFactory.INSTANCE).build();
        } catch (SSLException e) {
            throw new IllegalStateException(e);
        }
        reactor.netty.http.client.HttpClient netty = reactor.netty.http.client.HttpClient.create()
                .secure(spec -> spec.sslContext(ssl).handlerConfigurator(handler -> {
                    SSLEngine engine = handler.engine();
                    SSLParameters params = engine.getSSLParameters();
                    params.setEndpointIdentificationAlgorithm(null); // the test certificate names no IP address
                    engine.setSSLParameters(params);
                }));
        return new NettyAsyncHttpClientBuilder(netty).build();
    }

    @Override
    public void close() {
        server.stop();
    }
}
