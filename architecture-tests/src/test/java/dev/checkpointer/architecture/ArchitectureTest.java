package dev.checkpointer.architecture;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.lang.ArchRule;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The architecture's "never" rules, checked over the main and the test classes of every module (read from each
 * module's {@code target/classes} and {@code target/test-classes}; run with {@code -pl architecture-tests -am} so that
 * they are fresh):
 * <ol>
 *   <li>the SPI never uses the engine;</li>
 *   <li>the engine never uses a store;</li>
 *   <li>stores never use each other;</li>
 *   <li>the starter and the CLI never use the engine's internals, and neither does any other module's main code;</li>
 *   <li>tests of other modules never use the engine's internals, except the simulation's one documented seam,
 *       {@code dev.checkpointer.internal.ProtocolRules} (it switches single protocol rules off to prove that the
 *       simulation finds the bug each one prevents; see {@code simulation/README} and {@code RuleFlipTest}).</li>
 *   <li>a store's {@code internal} package ({@code dev.checkpointer.store.X.internal}) is used only by that store's
 *       own module, main and tests: every other module's main and test code reaches a store through its facade
 *       ({@code FileSystemStore}, {@code S3Store}, ...), its provider and {@code ObjectStore}.</li>
 * </ol>
 * The engine's own tests are exempt from rule 5: {@code api}'s tests and {@code engine-tests}, which holds the engine's
 * fault, race and metrics tests over the memory store (so its test classes are also exempt from rule 2).
 * {@link #everyRuleCanFail()} proves that each rule reports a violation when one exists.
 */
class ArchitectureTest {
    /** Store packages below {@code dev.checkpointer.store}; a new store is added here (see CONTRIBUTING.md). */
    static final List<String> STORES = List.of("memory", "filesystem", "s3", "azure", "gcs");
    /** Modules with main classes. */
    static final List<String> MAIN = List.of("api", "store-memory", "store-filesystem", "store-s3", "store-azure", "store-gcs", "testkit", "cli", "spring-boot");
    /** Modules with test classes. */
    static final List<String> TESTED = List.of("api", "store-memory", "store-filesystem", "store-s3", "store-azure", "store-gcs", "cli",
            "spring-boot", "engine-tests", "simulation", "reliability", "multihost-tests");
    /** Modules whose tests are the engine's own. */
    static final List<String> ENGINE_TESTS = List.of("api", "engine-tests");

    static final String ENGINE = "dev.checkpointer.internal..";
    static final String SEAM = "dev.checkpointer.internal.ProtocolRules";

    private static final Map<String, Path> MAIN_DIRS = new LinkedHashMap<>();
    private static final Map<String, Path> TEST_DIRS = new LinkedHashMap<>();
    private static final Map<String, JavaClasses> MAIN_CLASSES = new LinkedHashMap<>();
    private static final Map<String, JavaClasses> TEST_CLASSES = new LinkedHashMap<>();

    @BeforeAll
    static void importEveryModule() {
        Path root = Path.of(System.getProperty("checkpointer.root", ".."));
        ClassFileImporter importer = new ClassFileImporter();
        for (String module : MAIN) {
            MAIN_DIRS.put(module, existing(root.resolve(module).resolve("target/classes")));
            MAIN_CLASSES.put(module, importer.importPath(MAIN_DIRS.get(module)));
        }
        for (String module : TESTED) {
            TEST_DIRS.put(module, existing(root.resolve(module).resolve("target/test-classes")));
            TEST_CLASSES.put(module, importer.importPath(TEST_DIRS.get(module)));
        }
    }

    private static Path existing(Path dir) {
        assertThat(dir).as("%s is missing: build with -pl architecture-tests -am so that every module is compiled", dir).isDirectory();
        try (Stream<Path> files = Files.walk(dir)) {
            assertThat(files.anyMatch(f -> f.toString().endsWith(".class"))).as("%s holds no classes", dir).isTrue();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return dir;
    }

    /** Every main and test class of every module, except the test classes of the modules named. */
    private static JavaClasses all(String... exceptTestsOf) {
        List<Path> paths = new ArrayList<>(MAIN_DIRS.values());
        TEST_DIRS.forEach((module, dir) -> {
            if (!List.of(exceptTestsOf).contains(module)) {
                paths.add(dir);
            }
        });
        return new ClassFileImporter().importPaths(paths);
    }

    // ------------------------------------------------------------------------------------------------- the rules

    /** Rule 1. */
    static ArchRule spiNeverUsesTheEngine() {
        return noClasses().that().resideInAPackage("dev.checkpointer.spi..")
                .should().dependOnClassesThat().resideInAPackage(ENGINE)
                .because("the SPI is what store modules compile against; the engine may change behind it");
    }

    /** Rule 2. */
    static ArchRule engineNeverUsesAStore() {
        return noClasses().that().resideInAPackage(ENGINE)
                .should().dependOnClassesThat().resideInAPackage("dev.checkpointer.store..")
                .because("the engine talks to stores only through the SPI");
    }

    /** Rule 3, for one store. */
    static ArchRule storeNeverUsesAnotherStore(String store) {
        String[] others = STORES.stream().filter(s -> !s.equals(store)).map(s -> "dev.checkpointer.store." + s + "..").toArray(String[]::new);
        return noClasses().that().resideInAPackage("dev.checkpointer.store." + store + "..")
                .should().dependOnClassesThat().resideInAnyPackage(others)
                .because("stores share code through the SPI toolkit (dev.checkpointer.spi), never through each other");
    }

    /** Rule 4: the starter and the CLI. */
    static ArchRule starterAndCliNeverUseTheEngine() {
        return noClasses().that().resideInAnyPackage("dev.checkpointer.spring..", "dev.checkpointer.cli..")
                .should().dependOnClassesThat().resideInAPackage(ENGINE)
                .because("they open stores with ObjectStores and build checkpointers with the public builder");
    }

    /** Rule 4, every other module's main code. */
    static ArchRule noOtherMainCodeUsesTheEngine() {
        return noClasses().that().resideOutsideOfPackages(ENGINE, "dev.checkpointer", "dev.checkpointer.spi..", "dev.checkpointer.micrometer..")
                .should().dependOnClassesThat().resideInAPackage(ENGINE)
                .because("only the api module's public packages may use the engine");
    }

    /** Rule 5, for one module's tests. */
    static ArchRule testsNeverUseTheEngine(boolean simulationSeamAllowed) {
        DescribedPredicate<JavaClass> internals = resideInAPackage(ENGINE);
        if (simulationSeamAllowed) {
            internals = internals.and(not(DescribedPredicate.describe("the simulation seam " + SEAM,
                    (JavaClass c) -> c.getName().equals(SEAM) || c.getName().startsWith(SEAM + "$"))));
        }
        return noClasses().should().dependOnClassesThat(internals)
                .because("other modules test the public API; the engine's own tests live in api and engine-tests");
    }

    /** Rule 6, for one store: code outside the store's module never uses the store's internal package. */
    static ArchRule noOtherModuleUsesTheInternalsOf(String store) {
        return noClasses().should().dependOnClassesThat().resideInAPackage("dev.checkpointer.store." + store + ".internal..")
                .because("a store's public surface is its facade (a builder returning ObjectStore) and its provider;"
                        + " its implementation may change in any release");
    }

    // ------------------------------------------------------------------------------------------------- checks

    @Test
    void theSpiNeverUsesTheEngine() {
        spiNeverUsesTheEngine().check(all());
    }

    @Test
    void theEngineNeverUsesAStore() {
        // engine-tests' classes in the engine's package drive the engine over the memory store: they are fixtures, not engine
        engineNeverUsesAStore().check(all("engine-tests"));
    }

    @Test
    void storesNeverUseEachOther() {
        JavaClasses classes = all();
        for (String store : STORES) {
            storeNeverUsesAnotherStore(store).check(classes);
        }
    }

    @Test
    void theStarterAndTheCliNeverUseTheEngine() {
        starterAndCliNeverUseTheEngine().check(all());
        for (Map.Entry<String, JavaClasses> e : MAIN_CLASSES.entrySet()) {
            if (!e.getKey().equals("api")) {
                noOtherMainCodeUsesTheEngine().check(e.getValue());
            }
        }
    }

    @Test
    void testsOfOtherModulesNeverUseTheEngine() {
        for (Map.Entry<String, JavaClasses> e : TEST_CLASSES.entrySet()) {
            if (!ENGINE_TESTS.contains(e.getKey())) {
                testsNeverUseTheEngine(e.getKey().equals("simulation")).check(e.getValue());
            }
        }
    }

    @Test
    void noOtherModuleUsesAStoresInternals() {
        for (String store : STORES) {
            String own = "store-" + store;
            ArchRule rule = noOtherModuleUsesTheInternalsOf(store);
            MAIN_CLASSES.forEach((module, classes) -> {
                if (!module.equals(own)) {
                    rule.check(classes);
                }
            });
            TEST_CLASSES.forEach((module, classes) -> {
                if (!module.equals(own)) {
                    rule.check(classes);
                }
            });
        }
    }

    /** Each rule, given a class that breaks it, reports the violation (the fixtures live in this module's tests only). */
    @Test
    void everyRuleCanFail() {
        ClassFileImporter importer = new ClassFileImporter();
        assertThat(spiNeverUsesTheEngine().evaluate(importer.importClasses(dev.checkpointer.spi.archfixture.SpiUsingEngine.class)).hasViolation()).isTrue();
        assertThat(engineNeverUsesAStore().evaluate(importer.importClasses(dev.checkpointer.internal.archfixture.EngineUsingStore.class)).hasViolation()).isTrue();
        assertThat(storeNeverUsesAnotherStore("s3").evaluate(importer.importClasses(dev.checkpointer.store.s3.archfixture.S3UsingMemory.class)).hasViolation()).isTrue();
        assertThat(storeNeverUsesAnotherStore("memory").allowEmptyShould(true).evaluate(importer.importClasses(dev.checkpointer.store.s3.archfixture.S3UsingMemory.class)).hasViolation())
                .as("the rule for one store does not judge another store's classes").isFalse();
        assertThat(starterAndCliNeverUseTheEngine().evaluate(importer.importClasses(dev.checkpointer.cli.archfixture.CliUsingEngine.class)).hasViolation()).isTrue();
        assertThat(starterAndCliNeverUseTheEngine().evaluate(importer.importClasses(dev.checkpointer.spring.archfixture.StarterUsingEngine.class)).hasViolation()).isTrue();
        assertThat(noOtherMainCodeUsesTheEngine().evaluate(importer.importClasses(dev.checkpointer.othermodule.archfixture.OtherModuleTestUsingEngine.class)).hasViolation()).isTrue();
        JavaClasses otherTest = importer.importClasses(dev.checkpointer.othermodule.archfixture.OtherModuleTestUsingEngine.class);
        assertThat(testsNeverUseTheEngine(false).evaluate(otherTest).hasViolation()).isTrue();
        assertThat(testsNeverUseTheEngine(true).evaluate(otherTest).hasViolation()).as("the seam is ProtocolRules only").isTrue();
        JavaClasses seamUser = importer.importClasses(dev.checkpointer.othermodule.archfixture.SimulationSeamUser.class);
        assertThat(testsNeverUseTheEngine(true).evaluate(seamUser).hasViolation()).as("the simulation may use its seam").isFalse();
        assertThat(testsNeverUseTheEngine(false).evaluate(seamUser).hasViolation()).as("no other module may").isTrue();
        JavaClasses internalsUser = importer.importClasses(dev.checkpointer.othermodule.archfixture.OtherModuleUsingStoreInternals.class);
        assertThat(noOtherModuleUsesTheInternalsOf("s3").evaluate(internalsUser).hasViolation()).isTrue();
        assertThat(noOtherModuleUsesTheInternalsOf("gcs").evaluate(internalsUser).hasViolation())
                .as("the rule for one store does not judge uses of another store's internals").isFalse();
    }

    @Test
    void everyModuleWasRead() {
        assertThat(MAIN_CLASSES.get("api").contain("dev.checkpointer.spi.VerifyingPayload")).isTrue();
        assertThat(TEST_CLASSES.get("engine-tests").contain("dev.checkpointer.internal.EngineUnitsTest")).isTrue();
        assertThat(TEST_CLASSES).hasSize(TESTED.size());
    }
}
