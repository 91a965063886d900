package dev.checkpointer.reliability;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** Provenance of a run for the results file: the commit checked out, read from {@code .git} without running git. */
public final class RunInfo {
    private RunInfo() {}

    /**
     * The abbreviated commit id of HEAD of the repository this module sits in.
     *
     * @return the id, or empty when it cannot be read (no {@code .git}, packed refs only, …)
     */
    public static Optional<String> commit() {
        try {
            Path dir = Path.of(System.getProperty("basedir", System.getProperty("user.dir"))).toAbsolutePath();
            for (Path d = dir; d != null; d = d.getParent()) {
                Path git = d.resolve(".git");
                if (Files.isDirectory(git)) {
                    String head = Files.readString(git.resolve("HEAD"), StandardCharsets.UTF_8).trim();
                    if (head.startsWith("ref: ")) {
                        Path ref = git.resolve(head.substring(5).trim());
                        if (Files.isRegularFile(ref)) {
                            return Optional.of(Files.readString(ref, StandardCharsets.UTF_8).trim().substring(0, 7));
                        }
                        for (String line : Files.readAllLines(git.resolve("packed-refs"), StandardCharsets.UTF_8)) {
                            if (line.endsWith(" " + head.substring(5).trim())) {
                                return Optional.of(line.substring(0, 7));
                            }
                        }
                        return Optional.empty();
                    }
                    return head.length() >= 7 ? Optional.of(head.substring(0, 7)) : Optional.empty();
                }
            }
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }
}
