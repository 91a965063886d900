package dev.checkpointer.store.azure.internal;

import com.azure.core.credential.TokenCredential;
import com.azure.identity.DefaultAzureCredentialBuilder;

/**
 * {@code DefaultAzureCredential}, from the optional {@code com.azure:azure-identity}. This class is loaded only after
 * {@link #isAvailable()} said yes, so the store runs without azure-identity on the class path.
 */
public final class IdentitySupport {
    private static final String PROBE = "com.azure.identity.DefaultAzureCredentialBuilder";

    private IdentitySupport() {}

    /**
     * Whether azure-identity is on the class path.
     *
     * @return true when {@code DefaultAzureCredential} can be built
     */
    public static boolean isAvailable() {
        try {
            Class.forName(PROBE, false, IdentitySupport.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    /**
     * A new {@code DefaultAzureCredential} (environment, workload identity, managed identity, Azure CLI, …).
     *
     * @return the credential
     */
    public static TokenCredential defaultCredential() {
        return Holder.create();
    }

    /** Touches azure-identity only when called. */
    private static final class Holder {
        static TokenCredential create() {
            return new DefaultAzureCredentialBuilder().build();
        }
    }
}
