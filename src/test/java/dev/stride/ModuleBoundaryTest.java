package dev.stride;

import dev.stride.cli.Main;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.module.ModuleDescriptor;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the compiled main classes promise a program that embeds Stride: the module exports the API
 * packages and not the jextract bindings, requires the command line's libraries only statically,
 * and no class outside {@code dev.stride.cli} refers to those libraries, which the pom marks
 * optional (a class that did would fail with NoClassDefFoundError in such a program). What the
 * artifact brings through Maven is checked by scripts/consumer-dependencies.
 */
class ModuleBoundaryTest {
    /** The command line's libraries, as packages in class files (internal form) and as modules. */
    private static final Map<String, String> CLI_LIBRARIES = Map.of(
            "picocli/", "info.picocli",
            "me/tongfei/progressbar/", "me.tongfei.progressbar",
            "org/knowm/xchart/", "org.knowm.xchart");

    // class file path relative to the classes root -> its bytes
    private static final Map<String, byte[]> CLASSES = new TreeMap<>();
    private static ModuleDescriptor module;

    @BeforeAll
    static void readMainClasses() throws IOException, URISyntaxException {
        Path location = Path.of(Main.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        // target/classes under the build; the jar where someone runs the tests against it.
        if (Files.isDirectory(location)) {
            readClasses(location);
        } else {
            try (FileSystem jar = FileSystems.newFileSystem(location)) {
                readClasses(jar.getPath("/"));
            }
        }
        // javac writes no ModulePackages attribute (the jar tool does), so the packages come from the files.
        Set<String> packages = CLASSES.keySet().stream()
                .filter(name -> name.contains("/"))
                .map(name -> name.substring(0, name.lastIndexOf('/')).replace('/', '.'))
                .collect(Collectors.toSet());
        try (InputStream in = new ByteArrayInputStream(CLASSES.get("module-info.class"))) {
            module = ModuleDescriptor.read(in, () -> packages);
        }
    }

    private static void readClasses(Path root) throws IOException {
        try (Stream<Path> files = Files.walk(root)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".class")).toList()) {
                CLASSES.put(root.relativize(file).toString(), Files.readAllBytes(file));
            }
        }
    }

    @Test
    void exportsTheApiButNotTheBindings() {
        assertEquals("dev.stride", module.name());
        Set<String> exported = module.exports().stream()
                .filter(e -> !e.isQualified())
                .map(ModuleDescriptor.Exports::source)
                .collect(Collectors.toCollection(TreeSet::new));
        assertEquals(Set.of("dev.stride.tensor", "dev.stride.blas", "dev.stride.ops", "dev.stride.nn",
                "dev.stride.optim", "dev.stride.data", "dev.stride.train", "dev.stride.onnx", "dev.stride.cli"), exported);
        assertTrue(module.packages().contains("dev.stride.blas.internal.openblas"), module.packages().toString());
        assertTrue(module.exports().stream().noneMatch(e -> e.source().startsWith("dev.stride.blas.internal")),
                module.exports().toString());
        assertTrue(module.opens().stream().noneMatch(o -> o.source().startsWith("dev.stride.blas.internal")),
                module.opens().toString());
    }

    @Test
    void requiresOnlyJdkModulesExceptStatically() {
        List<String> nonJdk = new ArrayList<>();
        for (ModuleDescriptor.Requires r : module.requires()) {
            boolean jdk = r.name().startsWith("java.") || r.name().startsWith("jdk.");
            if (!jdk && !r.modifiers().contains(ModuleDescriptor.Requires.Modifier.STATIC)) {
                nonJdk.add(r.name());
            }
        }
        assertEquals(List.of(), nonJdk, "modules a program that embeds Stride would have to supply");
        Set<String> statics = module.requires().stream()
                .filter(r -> r.modifiers().contains(ModuleDescriptor.Requires.Modifier.STATIC))
                .map(ModuleDescriptor.Requires::name)
                .collect(Collectors.toSet());
        assertTrue(statics.containsAll(CLI_LIBRARIES.values()), statics.toString());
        // Optional at run time, as on the class path (dev.stride.ops.VectorSupport).
        assertTrue(statics.contains("jdk.incubator.vector"), statics.toString());
    }

    @Test
    void onlyTheCommandLineRefersToItsLibraries() {
        List<String> offenders = new ArrayList<>();
        Set<String> seenInCli = new TreeSet<>();
        for (Map.Entry<String, byte[]> e : CLASSES.entrySet()) {
            // Class names in a class file's constant pool are plain ASCII in internal form.
            String constants = new String(e.getValue(), StandardCharsets.ISO_8859_1);
            boolean cli = e.getKey().startsWith("dev/stride/cli/");
            for (String prefix : CLI_LIBRARIES.keySet()) {
                if (constants.contains(prefix)) {
                    if (cli) {
                        seenInCli.add(prefix);
                    } else {
                        offenders.add(e.getKey() + " refers to " + prefix);
                    }
                }
            }
        }
        assertFalse(CLASSES.isEmpty());
        // The scan finds each library where it is used, so an empty list of offenders means something.
        assertEquals(new TreeSet<>(CLI_LIBRARIES.keySet()), seenInCli);
        assertEquals(List.of(), offenders);
    }
}
