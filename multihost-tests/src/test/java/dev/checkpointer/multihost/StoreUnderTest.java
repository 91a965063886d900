package dev.checkpointer.multihost;

import java.nio.file.Path;
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
     * Every store to run against. An {@code s3://} entry goes here once {@code checkpointer-store-s3} exists: a
     * location per test as {@code s3://BUCKET/PREFIX?endpoint=...&...} (the options the S3 store reads from the
     * query), pointing at an emulator started once for the test class.
     */
    static Stream<StoreUnderTest> all() {
        return Stream.of(FILE);
    }

    @Override
    public String toString() {
        return name;
    }
}
