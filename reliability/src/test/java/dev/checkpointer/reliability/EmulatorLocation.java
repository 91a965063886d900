package dev.checkpointer.reliability;

import dev.checkpointer.spi.ObjectStore;
import java.net.URI;

/** A location on a cloud-store emulator, which can also be reached through an HTTP proxy (R1's {@link HttpFaultProxy}). */
public interface EmulatorLocation extends Location {

    /**
     * A new store handle over this location whose client sends every request to {@code endpoint} instead of the
     * emulator (a proxy that forwards to {@link #emulatorEndpoint()}).
     *
     * @param endpoint the proxy's base URL
     * @return the store; the location closes it
     */
    ObjectStore openVia(URI endpoint);

    /**
     * Where the emulator listens.
     *
     * @return e.g. {@code http://127.0.0.1:38957}
     */
    URI emulatorEndpoint();

    /**
     * How the emulated service words its errors.
     *
     * @return the dialect
     */
    HttpFaultProxy.Dialect dialect();
}
