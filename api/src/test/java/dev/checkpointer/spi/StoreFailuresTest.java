package dev.checkpointer.spi;

import static org.assertj.core.api.Assertions.assertThat;

import dev.checkpointer.ErrorCode;
import dev.checkpointer.StoreException;
import java.io.EOFException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateExpiredException;
import java.util.concurrent.CompletionException;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;

/** The toolkit's classification of connection-level failures: TLS failures are permanent, network failures transient. */
class StoreFailuresTest {

    /** What the JDK reports for a certificate no trust anchor vouches for, wrapped the way SDKs wrap it. */
    private static Throwable untrustedCertificate() {
        Exception pkix = new CertificateException("PKIX path building failed: unable to find valid certification path to requested target");
        SSLHandshakeException handshake = new SSLHandshakeException("PKIX path building failed: unable to find valid certification path to requested target");
        handshake.initCause(pkix);
        return new CompletionException(new IOException("Unable to execute HTTP request: PKIX path building failed", handshake));
    }

    /** A stand-in for sun.security.validator.ValidatorException, which extends CertificateException. */
    private static final class CertificateException extends java.security.cert.CertificateException {
        CertificateException(String message) {
            super(message);
        }
    }

    @Test
    void anUntrustedCertificateIsAPermanentTlsErrorNamingTheHostAndTheRemedy() {
        StoreException e = StoreFailures.tlsFailure("get", "k", "minio.internal:9000", untrustedCertificate());
        assertThat(e).isNotNull();
        assertThat(e.code()).isEqualTo(ErrorCode.STORE_TLS);
        assertThat(e.isTransient()).isFalse();
        assertThat(e.getMessage()).contains("TLS handshake with minio.internal:9000 failed (SSLHandshakeException: PKIX path building failed")
                .contains("trust store").contains("javax.net.ssl.trustStore").contains("fix the endpoint");
        assertThat(StoreFailures.unreachable("get", "k", "minio.internal:9000", untrustedCertificate()))
                .as("not a network failure either").isNull();
    }

    @Test
    void openSslsGeneralProblemStillNamesTheCertificateReason() {
        SSLHandshakeException openSsl = new SSLHandshakeException("General OpenSslEngine problem");
        openSsl.initCause(new CertificateException("PKIX path building failed: unable to find valid certification path"));
        StoreException e = StoreFailures.tlsFailure("head", "k", "h:443", new IOException("request failed", openSsl));
        assertThat(e).isNotNull();
        assertThat(e.getMessage()).contains("(SSLHandshakeException: General OpenSslEngine problem; CertificateException: PKIX path building failed")
                .contains("trust store");
    }

    @Test
    void certificateFailuresAreFoundWithoutAnSslExceptionToo() {
        Throwable validator = new RuntimeException("wrapped", new CertPathValidatorException("validity check failed", new CertificateExpiredException("NotAfter: ...")));
        StoreException e = StoreFailures.tlsFailure("put", null, "h", validator);
        assertThat(e).isNotNull();
        assertThat(e.code()).isEqualTo(ErrorCode.STORE_TLS);
        assertThat(e.getMessage()).contains("CertPathValidatorException: validity check failed").contains("trust store");
        assertThat(StoreFailures.tlsCause(new IOException("x", new CertificateExpiredException("expired")))).isInstanceOf(CertificateExpiredException.class);
    }

    @Test
    void aPlaintextEndpointAndARefusedHandshakeAreTlsErrorsWithTheirOwnRemedy() {
        StoreException plain = StoreFailures.tlsFailure("head", "k", "h:80", new SSLException("Unrecognized SSL message, plaintext connection?"));
        assertThat(plain).isNotNull();
        assertThat(plain.code()).isEqualTo(ErrorCode.STORE_TLS);
        assertThat(plain.getMessage()).contains("does not speak TLS").contains("http://");
        StoreException alert = StoreFailures.tlsFailure("head", "k", "h", new SSLHandshakeException("Received fatal alert: protocol_version"));
        assertThat(alert).isNotNull();
        assertThat(alert.getMessage()).contains("protocol_version").contains("TLS protocols and cipher suites");
    }

    @Test
    void aHandshakeCutShortByTheNetworkStaysANetworkFailure() {
        SSLHandshakeException terminated = new SSLHandshakeException("Remote host terminated the handshake");
        terminated.initCause(new EOFException("SSL peer shut down incorrectly"));
        assertThat(StoreFailures.tlsFailure("get", "k", "h", terminated)).isNull();
        SSLException reset = new SSLException("Connection reset", new SocketException("Connection reset"));
        assertThat(StoreFailures.tlsFailure("get", "k", "h", reset)).isNull();
        assertThat(StoreFailures.tlsFailure("get", "k", "h", new SSLException("Tag mismatch"))).as("not a handshake failure").isNull();
    }

    @Test
    void networkFailuresAreNotTlsFailuresAndStayTransient() {
        ConnectException refused = new ConnectException("Connection refused");
        assertThat(StoreFailures.tlsFailure("get", "k", "h", refused)).isNull();
        StoreException e = StoreFailures.unreachable("get", "k", "h:1", refused);
        assertThat(e).isNotNull();
        assertThat(e.isTransient()).isTrue();
        assertThat(e.getMessage()).contains("cannot reach h:1: ConnectException: Connection refused");
    }

    @Test
    void theRedactedFormReachesTheMessageAndTheGivenCauseIsAttached() {
        Throwable redactedCopy = new RuntimeException("redacted");
        StoreException e = StoreFailures.tlsFailure("get", "k", "h", new SSLHandshakeException("sig=SECRET PKIX path building failed"),
                m -> m.replace("SECRET", "REDACTED"), redactedCopy);
        assertThat(e).isNotNull();
        assertThat(e.getMessage()).contains("sig=REDACTED").doesNotContain("SECRET");
        assertThat(e.getCause()).isSameAs(redactedCopy);
    }
}
