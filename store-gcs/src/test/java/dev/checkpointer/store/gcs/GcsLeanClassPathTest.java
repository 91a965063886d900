package dev.checkpointer.store.gcs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/**
 * The tests of this module run on the class path a user of {@code checkpointer-store-gcs} gets: without gRPC, the
 * OpenTelemetry SDK or the Cloud Monitoring exporter (excluded in this module's pom). If one of them came back, for
 * example through a new transitive dependency, this fails and the rest of the suite would no longer prove that the
 * HTTP transport runs without it.
 */
class GcsLeanClassPathTest {

    @Test
    void grpcTransportOpenTelemetrySdkAndCloudMonitoringAreNotOnTheClassPath() {
        for (String absent : new String[] {
                "io.grpc.internal.ManagedChannelImplBuilder",           // grpc-core
                "io.grpc.netty.shaded.io.netty.channel.Channel",        // grpc-netty-shaded
                "io.grpc.xds.XdsNameResolverProvider",                  // grpc-xds
                "com.google.api.gax.grpc.GrpcTransportChannel",         // gax-grpc
                "com.google.storage.v2.StorageGrpc",                    // grpc-google-cloud-storage-v2
                "io.opentelemetry.sdk.OpenTelemetrySdk",                // opentelemetry-sdk
                "com.google.cloud.opentelemetry.metric.GoogleCloudMetricExporter", // exporter-metrics
                "com.google.cloud.monitoring.v3.MetricServiceClient",  // google-cloud-monitoring
                "org.conscrypt.Conscrypt"}) {
            assertThatThrownBy(() -> Class.forName(absent, false, getClass().getClassLoader()))
                    .as(absent).isInstanceOf(ClassNotFoundException.class);
        }
    }

    @Test
    void whatTheHttpTransportNeedsIsThere() throws Exception {
        // io.grpc.Context (grpc-api, through grpc-context) is used by OpenCensus in google-http-client; the no-op
        // OpenTelemetry API by the client's tracing.
        assertThat(Class.forName("io.grpc.Context")).isNotNull();
        assertThat(Class.forName("io.opentelemetry.api.OpenTelemetry")).isNotNull();
        assertThat(Class.forName("com.google.cloud.storage.HttpStorageOptions")).isNotNull();
    }
}
