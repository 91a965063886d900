package dev.checkpointer.store.filesystem;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.checkpointer.Checkpoint;
import dev.checkpointer.Checkpointer;
import java.io.File;
import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;
import org.xml.sax.InputSource;

/**
 * The README's "Use it from Java" section, as a user would follow it: its Maven coordinates become the pom of a fresh
 * project under {@code target/readme-java}, its Java snippets become that project's classes (with their own imports,
 * nothing added), which are compiled against exactly the dependencies it names (this module and its runtime class
 * path, written by the build to {@code target/readme-java/dependencies.classpath}), and its Reactor pipeline runs in
 * its own JVMs: crashed mid-stream, restarted, and checked to resume from the offset saved with its state.
 */
class ReadmeJavaUsageTest {

    private static final Path README = Path.of("..", "README.md");
    private static final String SECTION = "## Use it from Java";
    private static final Path PROJECT = Path.of("target", "readme-java").toAbsolutePath();
    private static final String VERSION = System.getProperty("readme.version", "0.1.0-SNAPSHOT");
    private static final long RECORDS = 1000;
    private static final long CRASH_AT = 250;

    /** Feeds the README's pipeline the amounts 0, 1, 2, ... (amount = offset) and crashes it at a given offset. */
    private static final String DRIVER = """
            import java.util.ArrayList;
            import java.util.List;
            import reactor.core.publisher.Flux;

            public final class Restart {
                public static void main(String[] args) {
                    long records = Long.parseLong(args[1]);
                    long crashAt = Long.parseLong(args[2]);
                    List<Long> replays = new ArrayList<>();
                    try {
                        long total = RunningTotal.run(args[0], from -> {
                            replays.add(from);
                            return Flux.range((int) from, (int) (records - from)).map(offset -> {
                                if (offset == crashAt) {
                                    throw new IllegalStateException("crash at offset " + offset);
                                }
                                return (long) offset;
                            });
                        });
                        System.out.println("total " + total);
                    } catch (IllegalStateException e) {
                        System.out.println("crashed: " + e.getMessage());
                    }
                    System.out.println("replayed from " + replays);
                }
            }
            """;

    @Test
    void theCoordinatesImportTheBomAndNameTheApiAndTheFileStore() throws Exception {
        List<String> section = section();
        Element pom = parse(pom(only(blocks(section, "xml"))));
        assertThat(dependencies(pom, "dependencyManagement")).containsExactly(
                "dev.checkpointer:checkpointer-bom:" + VERSION + ":pom:import");
        assertThat(dependencies(pom, "project")).containsExactly(
                "dev.checkpointer:checkpointer-api", "dev.checkpointer:checkpointer-store-filesystem");

        List<String> gradle = new ArrayList<>();
        Matcher m = Pattern.compile("\"(dev\\.checkpointer:[^\"]+)\"").matcher(String.join("\n", only(blocks(section, "kotlin"))));
        while (m.find()) {
            gradle.add(m.group(1));
        }
        assertThat(gradle).containsExactly("dev.checkpointer:checkpointer-bom:" + VERSION,
                "dev.checkpointer:checkpointer-api", "dev.checkpointer:checkpointer-store-filesystem");
        assertThat(String.join("\n", section)).contains("platform(\"dev.checkpointer:checkpointer-bom:", "mavenLocal()",
                "mvn -B -ntp install -DskipTests\n");

        String bom = Files.readString(Path.of("..", "bom", "pom.xml"));
        for (String artifact : List.of("checkpointer-api", "checkpointer-store-filesystem")) {
            assertThat(bom).as("the BOM manages %s", artifact).contains("<artifactId>" + artifact + "</artifactId>");
        }
    }

    @Test
    void theSnippetsCompileInAFreshProjectAndThePipelineResumesFromTheSavedOffset() throws Exception {
        List<List<String>> java = blocks(section(), "java");
        // The quick start, the every() fragment (run in ReadmeQuickStartTest, it is not a whole program), the pipeline
        // and the store built in code with the filesystem store's facade.
        assertThat(java).as("the quick start, the every() fragment, the Reactor pipeline and the store built in code").hasSize(4);
        assertThat(String.join("\n", java.get(1))).as("the second block is the every() fragment").contains("checkpointer.every(");
        assertThat(String.join("\n", java.get(3))).as("the last block builds a store with its facade").contains("FileSystemStore.builder(");
        java = List.of(java.get(0), java.get(2), java.get(3));
        deleteRecursively(PROJECT.resolve("src"));
        deleteRecursively(PROJECT.resolve("target"));
        deleteRecursively(PROJECT.resolve("checkpoints"));
        Path sources = Files.createDirectories(PROJECT.resolve("src/main/java"));
        Files.writeString(PROJECT.resolve("pom.xml"), pom(only(blocks(section(), "xml"))));
        List<Path> files = new ArrayList<>();
        files.add(Files.writeString(sources.resolve("QuickStart.java"), asClass("QuickStart", java.get(0))));
        String pipeline = String.join("\n", java.get(1)) + "\n";
        assertThat(pipeline).as("the pipeline snippet is a whole class").contains("public final class RunningTotal {");
        files.add(Files.writeString(sources.resolve("RunningTotal.java"), pipeline));
        files.add(Files.writeString(sources.resolve("Restart.java"), DRIVER));
        files.add(Files.writeString(sources.resolve("StoreInCode.java"), asClass("StoreInCode", java.get(2))));

        List<Path> classPath = readmeClassPath();
        Path classes = compile(files, classPath);
        assertThat(classes.resolve("QuickStart.class")).isRegularFile();
        assertThat(classes.resolve("StoreInCode.class")).isRegularFile();

        String location = PROJECT.resolve("checkpoints").toUri().toString();
        List<String> crashed = run(classes, classPath, location, CRASH_AT);
        assertThat(crashed).containsExactly("crashed: crash at offset " + CRASH_AT, "replayed from [0]");
        assertThat(latest(location)).as("the last checkpoint before the crash: offset and the state up to it")
                .isEqualTo(Map.of("offset", "200", "total", Long.toString(sumBelow(200))));

        List<String> resumed = run(classes, classPath, location, -1);
        assertThat(resumed).as("restarted: replays from the saved offset and counts every record exactly once")
                .containsExactly("total " + sumBelow(RECORDS), "replayed from [200]");
        assertThat(latest(location)).isEqualTo(Map.of("offset", Long.toString(RECORDS), "total", Long.toString(sumBelow(RECORDS))));
    }

    /** The lines of the README section, up to the next second-level heading. */
    private static List<String> section() throws IOException {
        List<String> lines = Files.readAllLines(README).stream()
                .dropWhile(l -> !l.equals(SECTION))
                .toList();
        assertThat(lines).as("README has the section '%s'", SECTION).isNotEmpty();
        return Stream.concat(Stream.of(lines.get(0)), lines.stream().skip(1).takeWhile(l -> !l.startsWith("## "))).toList();
    }

    /** The fenced code blocks of a language, without their fences. */
    private static List<List<String>> blocks(List<String> lines, String language) {
        List<List<String>> blocks = new ArrayList<>();
        List<String> open = null;
        for (String line : lines) {
            if (open == null && line.equals("```" + language)) {
                open = new ArrayList<>();
            } else if (open != null && line.equals("```")) {
                blocks.add(open);
                open = null;
            } else if (open != null) {
                open.add(line);
            }
        }
        return blocks;
    }

    private static List<String> only(List<List<String>> blocks) {
        assertThat(blocks).hasSize(1);
        return blocks.get(0);
    }

    /** A project around the README's dependency declarations, exactly as shown. */
    private static String pom(List<String> dependencies) {
        return """
                <?xml version="1.0" encoding="UTF-8"?>
                <project xmlns="http://maven.apache.org/POM/4.0.0">
                <modelVersion>4.0.0</modelVersion>
                <groupId>readme.check</groupId>
                <artifactId>readme-java</artifactId>
                <version>1</version>
                <properties>
                  <maven.compiler.release>17</maven.compiler.release>
                  <project.build.sourceEncoding>UTF-8</project.build.sourceEncoding>
                </properties>
                """ + String.join("\n", dependencies) + "\n</project>\n";
    }

    private static Element parse(String xml) throws Exception {
        return DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(new InputSource(new StringReader(xml))).getDocumentElement();
    }

    /** groupId:artifactId[:version[:type:scope]] of the dependencies directly under the named element. */
    private static List<String> dependencies(Element project, String parent) {
        List<String> found = new ArrayList<>();
        NodeList all = project.getElementsByTagName("dependency");
        for (int i = 0; i < all.getLength(); i++) {
            Element dependency = (Element) all.item(i);
            Node owner = dependency.getParentNode().getParentNode();
            if (owner.getNodeName().equals(parent)) {
                found.add(Stream.of("groupId", "artifactId", "version", "type", "scope")
                        .map(tag -> dependency.getElementsByTagName(tag))
                        .filter(list -> list.getLength() > 0)
                        .map(list -> list.item(0).getTextContent().strip())
                        .collect(Collectors.joining(":")));
            }
        }
        return found;
    }

    /** A fragment (imports, then statements) as a class whose main method runs the statements. */
    private static String asClass(String name, List<String> fragment) {
        List<String> imports = fragment.stream().takeWhile(l -> l.isBlank() || l.startsWith("import ")).toList();
        List<String> body = fragment.subList(imports.size(), fragment.size());
        assertThat(imports).as("the snippet shows its imports").anyMatch(l -> l.startsWith("import "));
        return String.join("\n", imports) + "\n\npublic final class " + name + " {\n"
                + "    public static void main(String[] args) {\n"
                + body.stream().map(l -> "        " + l).collect(Collectors.joining("\n"))
                + "\n    }\n}\n";
    }

    /**
     * What a user who follows the README compiles and runs against: this module (checkpointer-store-filesystem) and its
     * runtime dependencies, checkpointer-api with everything it brings. Nothing of this test's own class path.
     */
    private static List<Path> readmeClassPath() throws IOException {
        String file = System.getProperty("readme.dependencies", "target/readme-java/dependencies.classpath");
        List<Path> classPath = new ArrayList<>();
        classPath.add(Path.of("target", "classes").toAbsolutePath());
        Arrays.stream(Files.readString(Path.of(file)).strip().split(File.pathSeparator))
                .filter(entry -> !entry.isEmpty()).map(Path::of).forEach(classPath::add);
        assertThat(classPath).as("no test dependency").noneMatch(p -> p.toString()
                .matches(".*(junit|assertj|testkit|reactor-test|logback|opentest4j).*"));
        assertThat(classPath).as("reactor-core comes with checkpointer-api")
                .anyMatch(p -> p.getFileName().toString().startsWith("reactor-core-"));
        return classPath;
    }

    private static Path compile(List<Path> sources, List<Path> classPath) throws IOException {
        Path classes = Files.createDirectories(PROJECT.resolve("target/classes"));
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        try (StandardJavaFileManager files = javac.getStandardFileManager(diagnostics, null, UTF_8)) {
            List<String> options = List.of("--release", "17", "-Xlint:all,-path,-processing", "-d", classes.toString(),
                    "-classpath", joined(classPath));
            boolean compiled = javac.getTask(null, files, diagnostics, options, null, files.getJavaFileObjectsFromPaths(sources)).call();
            assertThat(compiled).as("the README's Java compiles:%n%s", diagnostics.getDiagnostics().stream()
                    .map(Object::toString).collect(Collectors.joining("\n"))).isTrue();
        }
        return classes;
    }

    /** Runs the driver in its own JVM on the README's class path; its output lines. */
    private static List<String> run(Path classes, List<Path> classPath, String location, long crashAt)
            throws IOException, InterruptedException {
        List<Path> runtime = new ArrayList<>(classPath);
        runtime.add(0, classes);
        Path out = PROJECT.resolve("run-" + crashAt + ".out");
        Path err = PROJECT.resolve("run-" + crashAt + ".err");
        Process process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp", joined(runtime),
                "Restart", location, Long.toString(RECORDS), Long.toString(crashAt))
                .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        try {
            assertThat(process.waitFor(120, TimeUnit.SECONDS)).as("the pipeline finishes").isTrue();
            assertThat(process.exitValue()).as("exit status; stderr:%n%s", Files.readString(err)).isZero();
            return Files.readAllLines(out);
        } finally {
            process.destroyForcibly();
        }
    }

    /** The offset and the state in the latest checkpoint, read with the public API. */
    private static Map<String, String> latest(String location) {
        try (Checkpointer checkpointer = Checkpointer.open(location)) {
            Checkpoint latest = checkpointer.latest().block();
            assertThat(latest).isNotNull();
            return Map.of("offset", latest.manifest().offsets().get("amounts").get("0"),
                    "total", UTF_8.decode(latest.read("total", 0).block()).toString());
        }
    }

    private static long sumBelow(long n) {
        return n * (n - 1) / 2;
    }

    private static String joined(List<Path> paths) {
        return paths.stream().map(Path::toString).collect(Collectors.joining(File.pathSeparator));
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (Files.exists(dir)) {
            try (Stream<Path> all = Files.walk(dir)) {
                for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }
}
