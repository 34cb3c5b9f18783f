package dev.stride.blas;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.SymbolLookup;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Properties;
import java.util.stream.Stream;

/**
 * The OpenBLAS build from the {@code org.bytedeco:openblas} jar, unpacked into a per-user cache:
 * {@code <cacheRoot>/<version>/<platform>/}. A shared library must be a file to be loaded, so the
 * jar's copies are written out once and reused by every later JVM.
 *
 * <p>Two JVMs may start at once: the unpacking happens under a file lock (plus a JVM-wide monitor,
 * because a JVM cannot hold two locks on one file), into a temporary directory that is renamed into
 * place only when complete. A manifest with each file's size and SHA-256 is written last; a cache
 * whose files do not match it (truncated, edited, half deleted) is detected and rebuilt.
 */
// Opening native libraries is this class's job; the JVM is started with native access enabled.
@SuppressWarnings("restricted")
final class BundledOpenBlas {
    /** Runtime libraries in load order (each needs only those before it), then OpenBLAS itself. */
    private static final List<String> RUNTIME = List.of("libgcc_s.so.1", "libquadmath.so.0", "libgfortran.so.5");
    private static final String LIBRARY = "libopenblas.so.0";
    private static final String MANIFEST = "stride-manifest.properties";
    private static final String POM_PROPERTIES = "META-INF/maven/org.bytedeco/openblas/pom.properties";

    /** Why the bundled build cannot be used; becomes one line of {@link OpenBlasUnavailableException}. */
    static final class UnavailableException extends Exception {
        private static final long serialVersionUID = 1L;

        UnavailableException(String message) {
            super(message);
        }
    }

    /** The unpacked library and the runtime libraries to open before it, in order. */
    record Unpacked(Path library, List<Path> dependencies) {
    }

    private BundledOpenBlas() {
    }

    /** {@code $XDG_CACHE_HOME/stride/openblas}, else {@code ~/.cache/stride/openblas}. */
    static Path defaultCacheRoot() {
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("stride").resolve("openblas");
    }

    /** Unpacks the bundled build into the cache unless a verified copy is already there. */
    static Unpacked unpack(ClassLoader resources, Path cacheRoot) throws UnavailableException {
        String platform = platform();
        String resourceDir = "org/bytedeco/openblas/" + platform + "/";
        if (resources.getResource(resourceDir + LIBRARY) == null) {
            throw new UnavailableException("no org.bytedeco:openblas jar for " + platform + " on the class path");
        }
        Path dir = cacheRoot.resolve(version(resources)).resolve(platform);
        try {
            if (!verified(dir)) {
                rebuildLocked(resources, resourceDir, dir);
            }
        } catch (IOException | UncheckedIOException e) {
            throw new UnavailableException("cannot unpack into " + dir + ": " + e);
        }
        return new Unpacked(dir.resolve(LIBRARY), runtimeToPreload(dir));
    }

    private static String platform() {
        String os = System.getProperty("os.name").toLowerCase(java.util.Locale.ROOT);
        String arch = switch (System.getProperty("os.arch")) {
            case "amd64", "x86_64" -> "x86_64";
            case "aarch64" -> "arm64";
            default -> System.getProperty("os.arch");
        };
        return (os.contains("linux") ? "linux" : os.replace(' ', '_')) + "-" + arch;
    }

    private static String version(ClassLoader resources) throws UnavailableException {
        try (InputStream in = resources.getResourceAsStream(POM_PROPERTIES)) {
            if (in != null) {
                Properties pom = new Properties();
                pom.load(in);
                String version = pom.getProperty("version");
                if (version != null && version.matches("[A-Za-z0-9._-]+")) {
                    return version;
                }
            }
        } catch (IOException e) {
            throw new UnavailableException("cannot read " + POM_PROPERTIES + ": " + e);
        }
        throw new UnavailableException("the org.bytedeco:openblas jar has no version in " + POM_PROPERTIES);
    }

    /**
     * libgcc_s is part of every glibc system and a process should hold only one copy of the unwinder,
     * so the bundled one is used only when the system's cannot be opened.
     */
    private static List<Path> runtimeToPreload(Path dir) {
        List<Path> preload = new ArrayList<>();
        for (String name : RUNTIME) {
            if (name.startsWith("libgcc_s") && systemHas(name)) {
                continue;
            }
            preload.add(dir.resolve(name));
        }
        return preload;
    }

    private static boolean systemHas(String soname) {
        try (Arena arena = Arena.ofConfined()) {
            SymbolLookup.libraryLookup(soname, arena);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static void rebuildLocked(ClassLoader resources, String resourceDir, Path dir) throws IOException {
        Path parent = dir.getParent();
        Files.createDirectories(parent);
        synchronized (BundledOpenBlas.class) {
            try (FileChannel lockFile = FileChannel.open(parent.resolve("." + dir.getFileName() + ".lock"),
                    StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
                FileLock lock = lockFile.lock();
                try {
                    // Another JVM may have finished the job while this one waited for the lock.
                    if (!verified(dir)) {
                        rebuild(resources, resourceDir, dir);
                    }
                } finally {
                    lock.release();
                }
            }
        }
    }

    private static void rebuild(ClassLoader resources, String resourceDir, Path dir) throws IOException {
        Path parent = dir.getParent();
        Path tmp = Files.createTempDirectory(parent, "." + dir.getFileName() + ".tmp");
        try {
            Properties manifest = new Properties();
            for (String name : fileNames()) {
                try (InputStream in = resources.getResourceAsStream(resourceDir + name)) {
                    if (in == null) {
                        throw new IOException("the jar has no " + resourceDir + name);
                    }
                    manifest.setProperty(name, copyAndHash(in, tmp.resolve(name)));
                }
            }
            // The manifest goes last: a directory with a manifest is a complete one.
            try (OutputStream out = Files.newOutputStream(tmp.resolve(MANIFEST))) {
                manifest.store(out, "org.bytedeco:openblas unpacked by Stride: size:sha256 per file");
            }
            if (Files.exists(dir)) {
                Path damaged = Files.createTempDirectory(parent, "." + dir.getFileName() + ".damaged");
                Files.move(dir, damaged.resolve("old"), StandardCopyOption.ATOMIC_MOVE);
                deleteTree(damaged);
            }
            moveAtomically(tmp, dir);
        } finally {
            deleteTree(tmp);
        }
    }

    private static void moveAtomically(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("the cache directory's file system cannot rename atomically: " + to, e);
        }
    }

    private static List<String> fileNames() {
        List<String> names = new ArrayList<>(RUNTIME);
        names.add(LIBRARY);
        return names;
    }

    /** True when every file is there with the size and SHA-256 that the manifest records. */
    static boolean verified(Path dir) throws IOException {
        Path manifestFile = dir.resolve(MANIFEST);
        if (!Files.isRegularFile(manifestFile)) {
            return false;
        }
        Properties manifest = new Properties();
        try (InputStream in = Files.newInputStream(manifestFile)) {
            manifest.load(in);
        }
        for (String name : fileNames()) {
            String expected = manifest.getProperty(name);
            Path file = dir.resolve(name);
            if (expected == null || !Files.isRegularFile(file)
                    || !expected.startsWith(Files.size(file) + ":") || !expected.equals(hash(file))) {
                return false;
            }
        }
        return true;
    }

    private static String copyAndHash(InputStream in, Path target) throws IOException {
        MessageDigest digest = sha256();
        long size;
        try (OutputStream out = new DigestOutputStream(Files.newOutputStream(target), digest)) {
            size = in.transferTo(out);
        }
        return size + ":" + HexFormat.of().formatHex(digest.digest());
    }

    private static String hash(Path file) throws IOException {
        MessageDigest digest = sha256();
        long size;
        try (InputStream in = Files.newInputStream(file);
             OutputStream out = new DigestOutputStream(OutputStream.nullOutputStream(), digest)) {
            size = in.transferTo(out);
        }
        return size + ":" + HexFormat.of().formatHex(digest.digest());
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
