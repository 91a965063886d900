package dev.checkpointer.internal.chunk;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.util.List;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;

/**
 * zstd-jni is an optional dependency: without it on the class path, chunking and the identity codec work, and asking
 * for zstd is a clear {@code InvalidInputException} naming the artifact, never a {@code NoClassDefFoundError}. The
 * library's classes are loaded here by a class loader that cannot see zstd-jni.
 */
class WithoutZstdTest {
    /** Defines the library's own classes itself and refuses zstd-jni's; everything else comes from the parent. */
    private static final class WithoutZstd extends ClassLoader {
        WithoutZstd(ClassLoader parent) {
            super(parent);
        }

        @Override
        protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            synchronized (getClassLoadingLock(name)) {
                if (name.startsWith("com.github.luben.")) {
                    throw new ClassNotFoundException(name + " (hidden by the test)");
                }
                if (!name.startsWith("dev.checkpointer.")) {
                    return super.loadClass(name, resolve);
                }
                Class<?> c = findLoadedClass(name);
                if (c == null) {
                    try (InputStream in = getParent().getResourceAsStream(name.replace('.', '/') + ".class")) {
                        if (in == null) {
                            throw new ClassNotFoundException(name);
                        }
                        byte[] b = in.readAllBytes();
                        c = defineClass(name, b, 0, b.length);
                    } catch (IOException e) {
                        throw new ClassNotFoundException(name, e);
                    }
                }
                return c;
            }
        }
    }

    @Test
    void chunkingWorksWithoutZstdJniAndAskingForZstdIsAClearError() throws Exception {
        ClassLoader loader = new WithoutZstd(getClass().getClassLoader());
        Class<?> codec = loader.loadClass(ChunkCodec.class.getName());
        Class<?> sizes = loader.loadClass(ChunkSizes.class.getName());
        Class<?> fastCdc = loader.loadClass(FastCdc.class.getName());
        assertThat(codec).isNotSameAs(ChunkCodec.class);

        Method of = codec.getDeclaredMethod("of", String.class, int.class);
        of.setAccessible(true);
        assertThat(of.invoke(null, "none", 0)).hasToString("none");

        Method ofAverage = sizes.getDeclaredMethod("ofAverage", int.class);
        ofAverage.setAccessible(true);
        Method chunks = fastCdc.getDeclaredMethod("chunks", Flux.class, sizes);
        chunks.setAccessible(true);
        Flux<?> out = (Flux<?>) chunks.invoke(null, Flux.just(ByteBuffer.wrap(FastCdcTest.random(1, 100_000))), ofAverage.invoke(null, 4096));
        List<?> cut = out.collectList().block();
        assertThat(cut).hasSizeGreaterThan(5);

        Method zstd = codec.getDeclaredMethod("zstd", int.class);
        zstd.setAccessible(true);
        Throwable failure = null;
        try {
            zstd.invoke(null, 3);
        } catch (InvocationTargetException e) {
            failure = e.getCause();
        }
        assertThat(failure).isNotNull();
        assertThat(failure.getClass().getName()).isEqualTo("dev.checkpointer.InvalidInputException");
        assertThat(failure.getMessage()).contains("com.github.luben:zstd-jni").contains("configure no compression");
    }
}
