package dev.checkpointer.multihost;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * A store the process tests run against: how to make a fresh, empty location for one test, shared by every
 * process of that test through its URI alone.
 *
 * @param name shown in the test name
 * @param locate makes a fresh location, given the test's temporary directory
 */
record StoreUnderTest(String name, Function<Path, Location> locate) {

    /**
     * One fresh location.
     *
     * @param uri what every process opens (query parameters become store options)
     * @param root the directory behind it, when the store is a local directory (for checks on disk)
     */
    record Location(String uri, Optional<Path> root) {}

    /** A local directory: {@code file:///abs/path}. */
    static final StoreUnderTest FILE = new StoreUnderTest("file", dir -> {
        Path root = dir.resolve("store").toAbsolutePath();
        return new Location(root.toUri().toString(), Optional.of(root));
    });

    /**
     * S3 on the S3Mock process started by {@link dev.checkpointer.store.s3.S3MockServer.Extension}: a fresh prefix
     * per test, every option in the URI's query so each process opens the same location from the URI alone.
     */
    static final StoreUnderTest S3 = new StoreUnderTest("s3", dir -> {
        dev.checkpointer.store.s3.S3MockServer server = dev.checkpointer.store.s3.S3MockServer.get();
        String prefix = "multihost-" + java.util.UUID.randomUUID();
        String uri = "s3://" + dev.checkpointer.store.s3.S3MockServer.BUCKET + "/" + prefix
                + "?endpoint=" + java.net.URLEncoder.encode(server.endpoint().toString(), java.nio.charset.StandardCharsets.UTF_8)
                + "&region=us-east-1&pathStyle=true"
                + "&accessKeyId=" + dev.checkpointer.store.s3.S3MockServer.ACCESS_KEY
                + "&secretAccessKey=" + java.net.URLEncoder.encode(dev.checkpointer.store.s3.S3MockServer.SECRET_KEY, java.nio.charset.StandardCharsets.UTF_8);
        return new Location(uri, Optional.empty());
    });

    /** Every store to run against. */
    static Stream<StoreUnderTest> all() {
        return Stream.of(FILE, S3);
    }

    /** System property: a comma-separated list of store names to run the long process tests on (default: all). */
    static final String ONLY_PROPERTY = "multihost.stores";

    /** {@link #all()}, or those named by {@value #ONLY_PROPERTY}. */
    static Stream<StoreUnderTest> selected() {
        String only = System.getProperty(ONLY_PROPERTY, "");
        return all().filter(s -> only.isBlank() || List.of(only.split(",")).contains(s.name()));
    }

    @Override
    public String toString() {
        return name;
    }
}
