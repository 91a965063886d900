package dev.checkpointer;

import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.Objects;
import java.util.function.Function;

/**
 * Turns a pipeline's state into the bytes of a checkpoint partition and back. {@link #encode} runs in the barrier
 * signal of a {@link CheckpointedPipeline} (on the pipeline's thread, between two events, so the state cannot change
 * under it): keep it fast and free of I/O. It must not retain or mutate the state.
 *
 * @param <S> the state type
 */
public interface StateCodec<S> {

    /**
     * Encodes the state.
     *
     * @param state the state at the barrier
     * @return its bytes (the codec may not reuse the array afterwards)
     * @throws RuntimeException when the state cannot be encoded; the checkpoint then fails (a periodic failure)
     */
    byte[] encode(S state);

    /**
     * Decodes a state saved by {@link #encode}.
     *
     * @param bytes the bytes read back (SHA-256 verified)
     * @return the state
     * @throws RuntimeException when the bytes cannot be decoded
     */
    S decode(byte[] bytes);

    /**
     * The identity codec: the state is a byte array (copied on encode, so later changes to the array do not reach a
     * save in flight).
     *
     * @return the codec
     */
    static StateCodec<byte[]> bytes() {
        return of(b -> b.clone(), b -> b);
    }

    /**
     * A Jackson codec: the state is written and read as JSON by the given mapper.
     *
     * @param mapper the mapper (configure it as the state type needs)
     * @param type the state's type
     * @param <S> the state type
     * @return the codec
     */
    static <S> StateCodec<S> jackson(ObjectMapper mapper, Class<S> type) {
        return jackson(mapper, mapper.getTypeFactory().constructType(type));
    }

    /**
     * A Jackson codec for a generic state type, e.g.
     * {@code mapper.getTypeFactory().constructMapType(HashMap.class, String.class, Long.class)}.
     *
     * @param mapper the mapper
     * @param type the state's type
     * @param <S> the state type
     * @return the codec
     */
    static <S> StateCodec<S> jackson(ObjectMapper mapper, JavaType type) {
        Objects.requireNonNull(mapper, "mapper");
        Objects.requireNonNull(type, "type");
        return new StateCodec<>() {
            @Override
            public byte[] encode(S state) {
                try {
                    return mapper.writeValueAsBytes(state);
                } catch (IOException e) {
                    throw new InvalidInputException("cannot encode pipeline state as JSON " + type + ": " + e.getMessage(), e);
                }
            }

            @Override
            public S decode(byte[] bytes) {
                try {
                    return mapper.readValue(bytes, type);
                } catch (IOException e) {
                    throw new CheckpointException(ErrorCode.CORRUPT_METADATA, "pipeline state is not JSON of " + type + ": " + e.getMessage(), e);
                }
            }
        };
    }

    /**
     * A codec from two functions.
     *
     * @param encoder state to bytes
     * @param decoder bytes to state
     * @param <S> the state type
     * @return the codec
     */
    static <S> StateCodec<S> of(Function<? super S, byte[]> encoder, Function<byte[], ? extends S> decoder) {
        Objects.requireNonNull(encoder, "encoder");
        Objects.requireNonNull(decoder, "decoder");
        return new StateCodec<>() {
            @Override
            public byte[] encode(S state) {
                return encoder.apply(state);
            }

            @Override
            public S decode(byte[] bytes) {
                return decoder.apply(bytes);
            }
        };
    }
}
