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
                    return head(git, git);
                }
                if (Files.isRegularFile(git)) {
                    // A linked worktree: ".git" is a file "gitdir: <repo>/.git/worktrees/<name>", whose "commondir" names
                    // the repository's own .git (where the branches are).
                    String line = Files.readString(git, StandardCharsets.UTF_8).trim();
                    if (!line.startsWith("gitdir:")) {
                        return Optional.empty();
                    }
                    Path gitDir = d.resolve(line.substring("gitdir:".length()).trim()).normalize();
                    Path common = Files.isRegularFile(gitDir.resolve("commondir"))
                            ? gitDir.resolve(Files.readString(gitDir.resolve("commondir"), StandardCharsets.UTF_8).trim()).normalize()
                            : gitDir;
                    return head(gitDir, common);
                }
            }
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }

    private static Optional<String> head(Path gitDir, Path common) throws IOException {
        String head = Files.readString(gitDir.resolve("HEAD"), StandardCharsets.UTF_8).trim();
        if (!head.startsWith("ref: ")) {
            return head.length() >= 7 ? Optional.of(head.substring(0, 7)) : Optional.empty();
        }
        String ref = head.substring(5).trim();
        for (Path base : new Path[] {gitDir, common}) {
            if (Files.isRegularFile(base.resolve(ref))) {
                return Optional.of(Files.readString(base.resolve(ref), StandardCharsets.UTF_8).trim().substring(0, 7));
            }
        }
        Path packed = common.resolve("packed-refs");
        if (Files.isRegularFile(packed)) {
            for (String line : Files.readAllLines(packed, StandardCharsets.UTF_8)) {
                if (line.endsWith(" " + ref)) {
                    return Optional.of(line.substring(0, 7));
                }
            }
        }
        return Optional.empty();
    }
}
