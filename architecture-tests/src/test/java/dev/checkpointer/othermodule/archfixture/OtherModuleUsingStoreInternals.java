package dev.checkpointer.othermodule.archfixture;

/**
 * A deliberate violation, only read by ArchitectureTest: another module reaching into a store's {@code internal}
 * package instead of using its facade ({@code S3Store.builder()}) and {@code ObjectStore}.
 */
public final class OtherModuleUsingStoreInternals {
    private OtherModuleUsingStoreInternals() {}

    static Object storeInternals() {
        return dev.checkpointer.store.s3.internal.S3ObjectStore.class;
    }
}
