package dev.checkpointer.reliability;

import com.azure.storage.blob.BlobContainerAsyncClient;
import com.azure.storage.blob.models.BlobItem;
import com.azure.storage.blob.models.BlobListDetails;
import com.azure.storage.blob.models.ListBlobsOptions;
import dev.checkpointer.spi.ObjectStore;
import dev.checkpointer.store.azure.AzureBlobStore;
import dev.checkpointer.store.azure.Azurite;
import java.net.URI;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The Azure Blob store on Azurite (a Node process, installed from npm by the build into store-azure's
 * {@code .ci-cache} and started by {@link Emulators#azurite()} with {@code Azurite} from store-azure's test-jar): a
 * fresh container per location. Every {@link Location#open()} builds a new store with its own container client, as a
 * restarted process would. Azure has no abort for staged blocks: an aborted upload's blocks stay as an
 * <em>uncommitted blob</em>, invisible to readers, until {@code prune()} discards them (or Azure does, a week later);
 * {@link Location#pendingUploads()} counts those uncommitted blobs.
 */
public final class AzureTarget implements StoreTarget {
    private static final AtomicLong NAMES = new AtomicLong();

    /** Creates the target. */
    public AzureTarget() {}

    @Override
    public String name() {
        return "azure";
    }

    @Override
    public boolean available() {
        return Emulators.azurite().isPresent();
    }

    @Override
    public boolean emulator() {
        return true;
    }

    @Override
    public AzureLocation create(String label) {
        Azurite azurite = Emulators.azurite().orElseThrow(() -> new IllegalStateException("Azurite is not available"));
        String clean = label.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("^-+|-+$", "");
        String name = "rel-" + clean + "-" + NAMES.incrementAndGet();
        if (name.length() > 63) {
            name = "rel-" + NAMES.incrementAndGet() + "-" + Integer.toHexString(label.hashCode());
        }
        return new AzureLocation(azurite, name);
    }

    @Override
    public String toString() {
        return name();
    }

    /** A container of the development account. */
    public static final class AzureLocation extends RemoteLocation implements EmulatorLocation {
        private final Azurite azurite;
        private final String container;
        private final BlobContainerAsyncClient client;

        AzureLocation(Azurite azurite, String container) {
            this.azurite = azurite;
            this.container = container;
            this.client = azurite.container(container); // creates it
        }

        @Override
        public String target() {
            return "azure";
        }

        @Override
        public synchronized ObjectStore open() {
            return track(AzureBlobStore.builder().connectionString(azurite.connectionString()).container(container).build());
        }

        @Override
        public synchronized ObjectStore openVia(URI endpoint) {
            String cs = "DefaultEndpointsProtocol=http;AccountName=" + Azurite.ACCOUNT + ";AccountKey=" + Azurite.KEY + ";BlobEndpoint="
                    + endpoint.toString().replaceAll("/+$", "") + "/" + Azurite.ACCOUNT + ";";
            return track(AzureBlobStore.builder().connectionString(cs).container(container).build());
        }

        @Override
        public URI emulatorEndpoint() {
            return URI.create("http://127.0.0.1:" + azurite.port());
        }

        @Override
        public HttpFaultProxy.Dialect dialect() {
            return HttpFaultProxy.Dialect.AZURE;
        }

        @Override
        public String uri() {
            return "azblob://" + container;
        }

        @Override
        public Map<String, String> options() {
            return Map.of("connectionString", azurite.connectionString());
        }

        @Override
        public boolean abortLeavesStagedParts() {
            return true;
        }

        /** Uncommitted blobs: names listed with uncommitted blobs included that the plain listing does not have. */
        @Override
        public OptionalInt pendingUploads() {
            Set<String> committed = new HashSet<>(client.listBlobs().map(BlobItem::getName).collectList().block(Workload.TIMEOUT));
            List<String> all = client.listBlobs(new ListBlobsOptions().setDetails(new BlobListDetails().setRetrieveUncommittedBlobs(true)))
                    .map(BlobItem::getName).collectList().block(Workload.TIMEOUT);
            return OptionalInt.of((int) all.stream().filter(n -> !committed.contains(n)).count());
        }

        /** Closes the handles and deletes the container. */
        @Override
        public synchronized void close() {
            try {
                client.deleteIfExists().block(Workload.TIMEOUT);
            } catch (RuntimeException e) {
                // best effort: Azurite keeps everything in memory and is stopped at the end of the run
            } finally {
                closeHandles();
            }
        }
    }
}
