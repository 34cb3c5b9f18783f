package dev.stride.reference;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Finds reference cases: Stride's own, committed under {@code src/test/resources/reference-cases},
 * and those in the directory named by the system property {@value #DIR_PROPERTY} when it is set,
 * so anyone can hand Stride a new set without touching its code.
 */
public final class ReferenceCases {
    public static final String DIR_PROPERTY = "stride.reference.dir";
    public static final String INDEX_FILE = "index.txt";
    /** The class-path resource (and source folder) that holds Stride's own cases. */
    public static final String RESOURCE = "reference-cases";

    private static final Path SOURCE_ROOT = Path.of("src", "test", "resources", RESOURCE);

    private ReferenceCases() {
    }

    /** Stride's own cases followed by those under {@value #DIR_PROPERTY}, if set. */
    public static List<ReferenceCase> all() {
        List<ReferenceCase> out = new ArrayList<>();
        for (Path root : roots()) {
            out.addAll(discover(root));
        }
        return out;
    }

    /** The directories {@link #all()} reads, in that order. */
    public static List<Path> roots() {
        List<Path> roots = new ArrayList<>();
        roots.add(builtInRoot());
        String extra = System.getProperty(DIR_PROPERTY);
        if (extra != null && !extra.isBlank()) {
            Path dir = Path.of(extra);
            if (!Files.isDirectory(dir)) {
                throw new IllegalArgumentException("system property " + DIR_PROPERTY + " names " + dir.toAbsolutePath()
                        + ", which is not a directory; point it at a directory of reference cases or leave it unset");
            }
            roots.add(dir);
        }
        return roots;
    }

    /**
     * Stride's own case directory: the test class path's copy when it is a plain directory (as under
     * Maven), otherwise the source folder relative to the working directory.
     */
    public static Path builtInRoot() {
        URL url = ReferenceCases.class.getClassLoader().getResource(RESOURCE);
        if (url != null && "file".equals(url.getProtocol())) {
            try {
                return Path.of(url.toURI());
            } catch (URISyntaxException e) {
                throw new IllegalStateException("cannot turn the class-path resource " + url + " into a path", e);
            }
        }
        if (Files.isDirectory(SOURCE_ROOT)) {
            return SOURCE_ROOT;
        }
        throw new IllegalStateException("Stride's reference cases are neither a class-path directory '" + RESOURCE
                + "' (found: " + url + ") nor at " + SOURCE_ROOT.toAbsolutePath()
                + "; run the tests from the project root or regenerate them with scripts/make-reference-cases");
    }

    /**
     * The cases in {@code root}: those listed in its {@value #INDEX_FILE} when it has one (each line
     * {@code <case-name> <op>}, the name being a sub-directory), otherwise every sub-directory holding
     * a {@value ReferenceCase#CASE_FILE}, sorted by name.
     */
    public static List<ReferenceCase> discover(Path root) {
        if (!Files.isDirectory(root)) {
            throw new IllegalArgumentException("reference case root " + root + " is not a directory");
        }
        Path index = root.resolve(INDEX_FILE);
        return Files.isRegularFile(index) ? fromIndex(root, index) : fromSubdirectories(root);
    }

    private static List<ReferenceCase> fromIndex(Path root, Path index) {
        List<ReferenceCase> out = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (CaseLines l : CaseLines.read(index)) {
            String where = l.where();
            String[] words = l.words();
            if (words.length != 2) {
                throw new IllegalArgumentException(where + "expected '<case-name> <op>'");
            }
            String name = words[0];
            if (!CaseLines.plainName(name)) {
                throw new IllegalArgumentException(where + "the case name must be a sub-directory's plain name");
            }
            if (!seen.add(name)) {
                throw new IllegalArgumentException(where + "case '" + name + "' is listed twice");
            }
            Path dir = root.resolve(name);
            if (!Files.isDirectory(dir)) {
                throw new IllegalArgumentException(where + "lists case '" + name + "' but " + dir + " is not a directory");
            }
            ReferenceCase c = ReferenceCase.load(dir);
            if (!c.op().equals(words[1])) {
                throw new IllegalArgumentException(where + "says op '" + words[1] + "' but " + dir.resolve(ReferenceCase.CASE_FILE)
                        + " says op '" + c.op() + "'; make them agree");
            }
            out.add(c);
        }
        return out;
    }

    private static List<ReferenceCase> fromSubdirectories(Path root) {
        List<Path> dirs;
        try (Stream<Path> children = Files.list(root)) {
            dirs = children.filter(d -> Files.isRegularFile(d.resolve(ReferenceCase.CASE_FILE))).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + root, e);
        }
        return dirs.stream().map(ReferenceCase::load).toList();
    }
}
