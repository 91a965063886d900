package dev.checkpointer.internal.payload;

import dev.checkpointer.InvalidInputException;
import dev.checkpointer.Payload;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Schedulers;

/** Factories behind {@link Payload#of}. */
public final class Payloads {
    /** Size of each buffer read from a file. */
    static final int FILE_CHUNK = 256 * 1024;

    private Payloads() {}

    /** See {@link Payload#of(byte[])}. */
    public static Payload ofBytes(byte[] bytes) {
        Objects.requireNonNull(bytes, "payload bytes");
        return new BufferPayload(ByteBuffer.wrap(bytes));
    }

    /** See {@link Payload#of(ByteBuffer)}. */
    public static Payload ofBuffer(ByteBuffer buffer) {
        Objects.requireNonNull(buffer, "payload buffer");
        return new BufferPayload(buffer.slice());
    }

    /** See {@link Payload#of(Path)}. */
    public static Payload ofFile(Path file) {
        Objects.requireNonNull(file, "payload file");
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS) && !Files.isRegularFile(file)) {
            throw new InvalidInputException("payload file does not exist or is not a regular file: " + file);
        }
        try {
            return new FilePayload(file, Files.size(file));
        } catch (IOException e) {
            throw new InvalidInputException("cannot read the size of payload file " + file + ": " + e.getMessage());
        }
    }

    /** See {@link Payload#of(Supplier, long)}. */
    public static Payload ofSupplier(Supplier<Flux<ByteBuffer>> content, long length) {
        Objects.requireNonNull(content, "payload content supplier");
        if (length < 0) {
            throw new InvalidInputException("payload length must be >= 0, got " + length);
        }
        return new SupplierPayload(content, length);
    }

    /** An in-memory payload; {@link #buffer()} and {@link #array()} expose it so the engine can skip copies. */
    public static final class BufferPayload implements Payload {
        /** What the caller gave (the engine reads it and never writes or keeps it past the save). */
        private final ByteBuffer source;
        private final ByteBuffer view;

        BufferPayload(ByteBuffer buffer) {
            this.source = buffer;
            this.view = buffer.asReadOnlyBuffer();
        }

        @Override
        public long length() {
            return view.remaining();
        }

        @Override
        public Flux<ByteBuffer> content() {
            return Flux.defer(() -> view.hasRemaining() ? Flux.just(view.duplicate()) : Flux.empty());
        }

        /** @return a read-only view of the bytes */
        public ByteBuffer buffer() {
            return view.duplicate();
        }

        /**
         * The array that holds the bytes, for a reader that neither writes it nor keeps it past the save (the caller
         * promised not to modify it until then: {@link Payload#of(byte[])}); empty when the bytes are in no accessible
         * array (a direct or read-only buffer).
         *
         * @return the array and the range of it that holds the bytes
         */
        public Optional<ArrayRange> array() {
            if (!source.hasArray()) {
                return Optional.empty();
            }
            int from = source.arrayOffset() + source.position();
            return Optional.of(new ArrayRange(source.array(), from, from + source.remaining()));
        }

        @Override
        public String toString() {
            return "Payload[" + view.remaining() + " bytes in memory]";
        }
    }

    /**
     * {@code array[from, to)}.
     *
     * @param array the array
     * @param from the first byte
     * @param to after the last byte
     */
    public record ArrayRange(byte[] array, int from, int to) {}

    record FilePayload(Path file, long length) implements Payload {
        @Override
        public Flux<ByteBuffer> content() {
            return Flux.<ByteBuffer, FileChannel>generate(
                            () -> FileChannel.open(file, StandardOpenOption.READ),
                            (channel, sink) -> {
                                try {
                                    ByteBuffer buf = ByteBuffer.allocate(FILE_CHUNK);
                                    int n = channel.read(buf);
                                    if (n < 0) {
                                        sink.complete();
                                    } else {
                                        buf.flip();
                                        sink.next(buf.asReadOnlyBuffer());
                                    }
                                } catch (IOException e) {
                                    sink.error(new UncheckedIOException("reading payload file " + file, e));
                                }
                                return channel;
                            },
                            channel -> {
                                try {
                                    channel.close();
                                } catch (IOException ignored) {
                                    // nothing to do: the read already finished or failed
                                }
                            })
                    .subscribeOn(Schedulers.boundedElastic());
        }

        @Override
        public String toString() {
            return "Payload[" + length + " bytes from " + file + "]";
        }
    }

    record SupplierPayload(Supplier<Flux<ByteBuffer>> supplier, long length) implements Payload {
        @Override
        public Flux<ByteBuffer> content() {
            return Flux.defer(() -> Objects.requireNonNull(supplier.get(), "payload supplier returned null"));
        }

        @Override
        public String toString() {
            return "Payload[" + length + " bytes from a supplier]";
        }
    }
}
