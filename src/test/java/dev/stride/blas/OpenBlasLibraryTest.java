package dev.stride.blas;

import dev.stride.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Each place the loader finds OpenBLAS, forced by an injected search; nothing here loads the bindings. */
class OpenBlasLibraryTest {
    private static final ClassLoader RESOURCES = OpenBlasLibraryTest.class.getClassLoader();
    /** A class loader that sees no jar, so the bundled fallback is absent. */
    private static final ClassLoader NO_JARS = new ClassLoader(null) {
    };

    @TempDir
    Path tmp;

    /** The distribution's library; skips the calling test where there is none (as on CI before it installs one). */
    private static Path systemLibrary() {
        Path found = OpenBlasLibrary.defaultSystemCandidates().stream().filter(Files::exists).findFirst().orElse(null);
        assumeTrue(found != null, "no system OpenBLAS on this machine (apt-get install libopenblas0-pthread)");
        return found;
    }

    /**
     * A real OpenBLAS file that is neither the system's nor in the test's cache: the bundled build
     * unpacked elsewhere. It opens on its own (its runtime libraries are found through RUNPATH=$ORIGIN),
     * so it can stand for an explicit or a system library on any machine.
     */
    private Path usableLibrary() throws BundledOpenBlas.UnavailableException {
        return BundledOpenBlas.unpack(RESOURCES, tmp.resolve("elsewhere")).library();
    }

    private OpenBlasLibrary.Search search(Path explicit, List<Path> system, ClassLoader resources) {
        return search("-D" + OpenBlasLibrary.PATH_PROPERTY, explicit, system, resources);
    }

    private OpenBlasLibrary.Search search(String origin, Path explicit, List<Path> system, ClassLoader resources) {
        return new OpenBlasLibrary.Search(explicit, origin, system, tmp.resolve("cache"), resources);
    }

    @Test
    void explicitPathIsUsedFirst() throws Exception {
        Path lib = usableLibrary();
        OpenBlasLibrary found = OpenBlasLibrary.locate(search(lib, List.of(Path.of("/nonexistent/libopenblas.so.0")), NO_JARS));
        assertEquals(OpenBlasLibrary.Source.EXPLICIT, found.source());
        assertEquals(lib, found.path());
    }

    @Test
    void missingExplicitPathFailsWithoutFallingBack() throws Exception {
        Path missing = tmp.resolve("nope/libopenblas.so.0");
        // Both later places would succeed: a usable system file, and the jar for the bundled build.
        OpenBlasLibrary.Search search = search(missing, List.of(usableLibrary()), RESOURCES);
        OpenBlasUnavailableException e = assertThrows(OpenBlasUnavailableException.class,
                () -> OpenBlasLibrary.locate(search));
        List<String> lines = e.getMessage().lines().toList();
        assertEquals(2, lines.size(), e.getMessage());
        assertEquals("-Dstride.openblas=" + missing + " cannot be used as OpenBLAS: no such file", lines.get(0));
        assertTrue(lines.get(1).startsWith("Fix: point -Dstride.openblas at an OpenBLAS shared library"
                + " (libopenblas.so.0), or leave -Dstride.openblas out"), lines.get(1));
        assertEquals(lines.get(0), e.summary());
        assertFalse(Files.exists(tmp.resolve("cache")), "the bundled build must not be tried");
    }

    @Test
    void badEnvironmentVariableIsNamedWithItsFix() {
        Path missing = tmp.resolve("nope/libopenblas.so.0");
        OpenBlasUnavailableException e = assertThrows(OpenBlasUnavailableException.class,
                () -> OpenBlasLibrary.locate(search(OpenBlasLibrary.PATH_ENV, missing, List.of(), NO_JARS)));
        assertEquals("STRIDE_OPENBLAS=" + missing + " cannot be used as OpenBLAS: no such file", e.summary());
        assertTrue(e.getMessage().contains("\nFix: point STRIDE_OPENBLAS at an OpenBLAS shared library"
                + " (libopenblas.so.0), or unset STRIDE_OPENBLAS"), e.getMessage());
    }

    @Test
    void explicitFileThatIsNotALibraryIsRejectedWithTheReason() throws IOException {
        Path text = Files.writeString(tmp.resolve("libopenblas.so.0"), "not an ELF file");
        OpenBlasUnavailableException e = assertThrows(OpenBlasUnavailableException.class,
                () -> OpenBlasLibrary.locate(search(text, List.of(), NO_JARS)));
        assertTrue(e.getMessage().contains("not an ELF shared library"), e.getMessage());
    }

    @Test
    void libraryWithoutOpenBlasSymbolsIsSkipped() throws Exception {
        Path lib = usableLibrary();
        // A shared library that opens but is not OpenBLAS: the bundled runtime's libquadmath.
        Path quadmath = lib.resolveSibling("libquadmath.so.0");
        OpenBlasLibrary found = OpenBlasLibrary.locate(search(null, List.of(quadmath, lib), NO_JARS));
        assertEquals(OpenBlasLibrary.Source.SYSTEM, found.source());
        assertEquals(lib, found.path());
    }

    @Test
    void systemLibraryIsPreferredOverTheBundledOne() throws Exception {
        Path lib = usableLibrary();
        OpenBlasLibrary found = OpenBlasLibrary.locate(search(null, List.of(tmp.resolve("missing.so"), lib), RESOURCES));
        assertEquals(OpenBlasLibrary.Source.SYSTEM, found.source());
        assertEquals(lib, found.path());
        assertFalse(Files.exists(tmp.resolve("cache")), "the bundled build must not be unpacked when not needed");
    }

    /** The distribution's own file, where installed: CI installs Debian's to run this. */
    @Test
    void theDistributionsLibraryIsFoundByTheDefaultSearch() {
        Path lib = systemLibrary();
        OpenBlasLibrary found = OpenBlasLibrary.locate(search(null, OpenBlasLibrary.defaultSystemCandidates(), RESOURCES));
        assertEquals(OpenBlasLibrary.Source.SYSTEM, found.source());
        assertEquals(lib, found.path());
        assertFalse(Files.exists(tmp.resolve("cache")), "the bundled build must not be unpacked when not needed");
    }

    @Test
    void systemPathPropertyReplacesTheDefaultFiles() {
        assertEquals(OpenBlasLibrary.defaultSystemCandidates(), OpenBlasLibrary.systemCandidatesFrom(null));
        assertEquals(List.of(), OpenBlasLibrary.systemCandidatesFrom(""));
        assertEquals(List.of(Path.of("/a/libopenblas.so.0"), Path.of("/b/libopenblas.so.0")),
                OpenBlasLibrary.systemCandidatesFrom("/a/libopenblas.so.0" + File.pathSeparator + "/b/libopenblas.so.0"));
    }

    @Test
    void defaultSystemSearchCoversDebianVariantsAndFedora() {
        List<String> paths = OpenBlasLibrary.defaultSystemCandidates().stream().map(Path::toString).toList();
        assertTrue(paths.stream().anyMatch(p -> p.contains("/openblas-pthread/")), paths::toString);
        assertTrue(paths.stream().anyMatch(p -> p.contains("/openblas-openmp/")), paths::toString);
        assertTrue(paths.contains("/usr/lib64/libopenblasp.so.0"), paths::toString);
    }

    @Test
    void bundledBuildIsUnpackedWhenTheSystemHasNone() throws IOException {
        OpenBlasLibrary found = OpenBlasLibrary.locate(search(null, List.of(tmp.resolve("missing.so")), RESOURCES));
        assertEquals(OpenBlasLibrary.Source.BUNDLED, found.source());
        assertTrue(found.path().startsWith(tmp.resolve("cache")), found.path().toString());
        assertTrue(BundledOpenBlas.verified(found.path().getParent()));
        assertTrue(Files.exists(found.path().resolveSibling("libgfortran.so.5")));
    }

    @Test
    void noLibraryAnywhereNamesEveryPlaceTried() {
        Path a = tmp.resolve("a/libopenblas.so.0");
        Path b = tmp.resolve("b/libopenblas.so.0");
        OpenBlasUnavailableException e = assertThrows(OpenBlasUnavailableException.class,
                () -> OpenBlasLibrary.locate(search(null, List.of(a, b), NO_JARS)));
        String message = e.getMessage();
        assertTrue(message.contains("system: " + a + ": no such file"), message);
        assertTrue(message.contains("system: " + b + ": no such file"), message);
        assertTrue(message.contains("bundled: no org.bytedeco:openblas jar"), message);
        assertTrue(message.contains("-Dstride.openblas="), message);
        assertTrue(message.contains("apt-get install libopenblas0-pthread"), message);
    }

    @Test
    void anEmptySystemSearchIsNamedAmongThePlacesTried() {
        OpenBlasUnavailableException e = assertThrows(OpenBlasUnavailableException.class,
                () -> OpenBlasLibrary.locate(search(null, List.of(), NO_JARS)));
        assertTrue(e.getMessage().contains("system: no files to try (an empty -Dstride.openblas.system-path"), e.getMessage());
    }

    @Test
    void damagedCacheIsDetectedAndRebuilt() throws Exception {
        Path lib = BundledOpenBlas.unpack(RESOURCES, tmp).library();
        Path dir = lib.getParent();
        long size = Files.size(lib);

        // Same size, one byte flipped: only the checksum can tell.
        try (RandomAccessFile f = new RandomAccessFile(lib.toFile(), "rw")) {
            f.seek(size / 2);
            int old = f.read();
            f.seek(size / 2);
            f.write(old ^ 0xFF);
        }
        assertFalse(BundledOpenBlas.verified(dir));
        BundledOpenBlas.unpack(RESOURCES, tmp);
        assertTrue(BundledOpenBlas.verified(dir));

        // A truncated runtime library and a lost manifest.
        try (RandomAccessFile f = new RandomAccessFile(dir.resolve("libgfortran.so.5").toFile(), "rw")) {
            f.setLength(100);
        }
        BundledOpenBlas.unpack(RESOURCES, tmp);
        assertTrue(BundledOpenBlas.verified(dir));
        Files.delete(dir.resolve("stride-manifest.properties"));
        BundledOpenBlas.unpack(RESOURCES, tmp);
        assertTrue(BundledOpenBlas.verified(dir));
        assertEquals(size, Files.size(lib));
        assertNoLeftovers(dir.getParent());
    }

    @Test
    void concurrentUnpacksInOneJvmEndWithOneGoodCache() throws Exception {
        int threads = 4;
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<Path>> results = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                Callable<Path> unpack = () -> {
                    start.await();
                    return BundledOpenBlas.unpack(RESOURCES, tmp).library();
                };
                results.add(pool.submit(unpack));
            }
            start.countDown();
            Path first = results.get(0).get(60, TimeUnit.SECONDS);
            for (Future<Path> r : results) {
                assertEquals(first, r.get(60, TimeUnit.SECONDS));
            }
            assertTrue(BundledOpenBlas.verified(first.getParent()));
            assertNoLeftovers(first.getParent().getParent());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void concurrentUnpacksInTwoJvmsEndWithOneGoodCache() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path cache = Files.createDirectory(tmp.resolve("cache"));
        List<Process> processes = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            processes.add(new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED",
                    "-cp", System.getProperty("java.class.path"), UnpackMain.class.getName(), cache.toString())
                    .redirectError(tmp.resolve("stderr" + i + ".txt").toFile()).start());
        }
        List<String> outputs = new ArrayList<>();
        for (int i = 0; i < processes.size(); i++) {
            Process p = processes.get(i);
            String out = new String(p.getInputStream().readAllBytes()).trim();
            assertTrue(p.waitFor(120, TimeUnit.SECONDS), "child JVM did not finish");
            assertEquals(0, p.exitValue(), out + Files.readString(tmp.resolve("stderr" + i + ".txt")));
            outputs.add(out);
        }
        assertEquals(outputs.get(0), outputs.get(1));
        Path lib = Path.of(outputs.get(0));
        assertTrue(BundledOpenBlas.verified(lib.getParent()));
        assertNoLeftovers(lib.getParent().getParent());
    }

    /**
     * The default search with {@code -Dstride.openblas.system-path=} empty, in a fresh JVM (a library
     * once loaded stays loaded): the bundled build is loaded into the cache under XDG_CACHE_HOME even
     * where the system has an OpenBLAS, it is the only libopenblas mapped, and sgemm runs on it.
     */
    @Test
    void emptySystemPathLoadsTheBundledBuildAndRunsSgemm() throws Exception {
        assertEquals("bundled " + tmp.resolve("stride/openblas") + " only=true 19.0 22.0 43.0 50.0", loadInChildJvm(""));
    }

    /** The property's files are the system search: a file named there is loaded as the system's. */
    @Test
    void systemPathNamesTheSystemLibrary() throws Exception {
        Path lib = usableLibrary();
        String files = tmp.resolve("missing.so") + File.pathSeparator + lib;
        assertEquals("system " + lib + " only=true 19.0 22.0 43.0 50.0", loadInChildJvm(files));
    }

    private String loadInChildJvm(String systemPath) throws Exception {
        ProcessBuilder child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-D" + OpenBlasLibrary.SYSTEM_PATH_PROPERTY + "=" + systemPath,
                "-cp", System.getProperty("java.class.path"), SgemmMain.class.getName())
                .redirectError(tmp.resolve("stderr.txt").toFile());
        child.environment().put("XDG_CACHE_HOME", tmp.toString());
        child.environment().remove(OpenBlasLibrary.PATH_ENV);
        Process p = child.start();
        String out = new String(p.getInputStream().readAllBytes()).trim();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "child JVM did not finish");
        assertEquals(0, p.exitValue(), out + Files.readString(tmp.resolve("stderr.txt")));
        return out;
    }

    /** Child JVM: loads OpenBLAS the normal way, says from where (the cache as its root), then multiplies two 2x2 matrices. */
    static final class SgemmMain {
        public static void main(String[] args) throws Exception {
            OpenBlasGemm gemm = new OpenBlasGemm();
            OpenBlasLibrary lib = gemm.library();
            String cache = BundledOpenBlas.defaultCacheRoot().toString();
            List<String> mapped = Files.readAllLines(Path.of("/proc/self/maps")).stream()
                    .filter(l -> l.contains("libopenblas")).toList();
            boolean only = !mapped.isEmpty() && mapped.stream().allMatch(l -> l.contains(lib.path().toString()));
            try (Arena arena = Arena.ofConfined()) {
                var t = Tensor.FLOAT;
                var a = arena.allocateFrom(t, 1, 2, 3, 4);
                var b = arena.allocateFrom(t, 5, 6, 7, 8);
                var c = arena.allocate(t, 4);
                gemm.sgemm(false, false, 2, 2, 2, 1f, a, 0, b, 0, 0f, c, 0);
                System.out.println(lib.source().name().toLowerCase(Locale.ROOT) + " "
                        + (lib.path().startsWith(cache) ? cache : lib.path()) + " only=" + only + " "
                        + c.getAtIndex(t, 0) + " " + c.getAtIndex(t, 1) + " " + c.getAtIndex(t, 2) + " " + c.getAtIndex(t, 3));
            }
        }
    }

    /** Child JVM entry point for the two-process test: unpacks into args[0], prints the library path. */
    static final class UnpackMain {
        public static void main(String[] args) throws Exception {
            System.out.println(BundledOpenBlas.unpack(UnpackMain.class.getClassLoader(), Path.of(args[0])).library());
        }
    }

    /** Only the version's platform directory and the lock file: no temporary or damaged copies. */
    private static void assertNoLeftovers(Path versionDir) throws IOException {
        try (var entries = Files.list(versionDir)) {
            List<String> names = entries.map(p -> p.getFileName().toString()).sorted().toList();
            assertEquals(2, names.size(), names::toString);
            assertTrue(names.stream().allMatch(n -> n.equals("linux-x86_64") || n.equals(".linux-x86_64.lock")),
                    names::toString);
        }
    }
}
