package dev.stride.blas;

import dev.stride.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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

    private static Path systemLibrary() {
        Path found = OpenBlasLibrary.defaultSystemCandidates().stream().filter(Files::exists).findFirst().orElse(null);
        assumeTrue(found != null, "no system OpenBLAS on this machine (apt-get install libopenblas0-pthread)");
        return found;
    }

    private OpenBlasLibrary.Search search(Path explicit, List<Path> system, ClassLoader resources) {
        return new OpenBlasLibrary.Search(explicit, "-Dstride.openblas", system, tmp.resolve("cache"), resources);
    }

    @Test
    void explicitPathIsUsedFirst() {
        Path lib = systemLibrary();
        OpenBlasLibrary found = OpenBlasLibrary.locate(search(lib, List.of(Path.of("/nonexistent/libopenblas.so.0")), NO_JARS));
        assertEquals(OpenBlasLibrary.Source.EXPLICIT, found.source());
        assertEquals(lib, found.path());
    }

    @Test
    void missingExplicitPathFailsWithoutFallingBack() {
        Path missing = tmp.resolve("nope/libopenblas.so.0");
        OpenBlasUnavailableException e = assertThrows(OpenBlasUnavailableException.class,
                () -> OpenBlasLibrary.locate(search(missing, List.of(systemLibrary()), RESOURCES)));
        assertTrue(e.getMessage().contains("-Dstride.openblas=" + missing + ": no such file"), e.getMessage());
        assertTrue(e.getMessage().contains("apt-get install libopenblas0-pthread"), e.getMessage());
        assertTrue(e.summary().contains(missing.toString()), e.summary());
        assertFalse(e.summary().contains("\n"), e.summary());
    }

    @Test
    void explicitFileThatIsNotALibraryIsRejectedWithTheReason() throws IOException {
        Path text = Files.writeString(tmp.resolve("libopenblas.so.0"), "not an ELF file");
        OpenBlasUnavailableException e = assertThrows(OpenBlasUnavailableException.class,
                () -> OpenBlasLibrary.locate(search(text, List.of(), NO_JARS)));
        assertTrue(e.getMessage().contains("not an ELF shared library"), e.getMessage());
    }

    @Test
    void libraryWithoutOpenBlasSymbolsIsSkipped() {
        Path libm = Path.of("/lib/x86_64-linux-gnu/libm.so.6");
        assumeTrue(Files.exists(libm));
        Path lib = systemLibrary();
        OpenBlasLibrary found = OpenBlasLibrary.locate(search(null, List.of(libm, lib), NO_JARS));
        assertEquals(OpenBlasLibrary.Source.SYSTEM, found.source());
        assertEquals(lib, found.path());
    }

    @Test
    void systemLibraryIsPreferredOverTheBundledOne() {
        Path lib = systemLibrary();
        OpenBlasLibrary found = OpenBlasLibrary.locate(search(null, OpenBlasLibrary.defaultSystemCandidates(), RESOURCES));
        assertEquals(OpenBlasLibrary.Source.SYSTEM, found.source());
        assertEquals(lib, found.path());
        assertFalse(Files.exists(tmp.resolve("cache")), "the bundled build must not be unpacked when not needed");
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

    @Test
    void bundledBuildRunsSgemmThroughTheBindings() throws Exception {
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                BundledSgemmMain.class.getName(), tmp.toString())
                .redirectError(tmp.resolve("stderr.txt").toFile()).start();
        String out = new String(p.getInputStream().readAllBytes()).trim();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "child JVM did not finish");
        assertEquals(0, p.exitValue(), out + Files.readString(tmp.resolve("stderr.txt")));
        assertEquals("bundled true 19.0 22.0 43.0 50.0", out);
    }

    /** Child JVM: loads the bundled build with no system search, then multiplies two 2x2 matrices. */
    static final class BundledSgemmMain {
        public static void main(String[] args) throws Exception {
            OpenBlasLibrary lib = OpenBlasLibrary.load(new OpenBlasLibrary.Search(
                    null, null, List.of(), Path.of(args[0]), BundledSgemmMain.class.getClassLoader()));
            OpenBlasGemm gemm = new OpenBlasGemm();
            boolean mapped = Files.readString(Path.of("/proc/self/maps")).contains(lib.path().toString());
            try (Arena arena = Arena.ofConfined()) {
                var t = Tensor.FLOAT;
                var a = arena.allocateFrom(t, 1, 2, 3, 4);
                var b = arena.allocateFrom(t, 5, 6, 7, 8);
                var c = arena.allocate(t, 4);
                gemm.sgemm(false, false, 2, 2, 2, 1f, a, 0, b, 0, 0f, c, 0);
                System.out.println(lib.source().name().toLowerCase(Locale.ROOT) + " " + mapped + " "
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
