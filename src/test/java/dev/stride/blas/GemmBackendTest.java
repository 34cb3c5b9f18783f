package dev.stride.blas;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Backend selection. The cases that depend on the library failing to load, or on it never being
 * loaded, run in a child JVM: a library once loaded stays loaded for the life of a JVM.
 */
class GemmBackendTest {
    @TempDir
    Path tmp;

    @Test
    void namesSelectTheirBackend() {
        assertEquals("java", GemmBackend.select("java").name());
        assertEquals("openblas", GemmBackend.select("openblas").name());
        assertEquals("openblas", GemmBackend.select("auto").name(), "auto prefers OpenBLAS when it loads");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> GemmBackend.select("cuda"));
        assertTrue(e.getMessage().contains("openblas, java or auto"), e.getMessage());
    }

    @Test
    void javaBackendNeverLoadsOpenBlas() throws Exception {
        Child child = run("java", "/nonexistent/libopenblas.so.0");
        assertEquals(0, child.exit(), child.toString());
        assertEquals("java loaded=false", child.out(), child.toString());
    }

    @Test
    void autoFallsBackToJavaWithOneLogLine() throws Exception {
        Child child = run("auto", "/nonexistent/libopenblas.so.0");
        assertEquals(0, child.exit(), child.toString());
        assertEquals("java loaded=false", child.out(), child.toString());
        List<String> lines = child.err().lines().filter(l -> l.contains("stride.backend=auto")).toList();
        assertEquals(1, lines.size(), child.toString());
        assertTrue(lines.get(0).contains("/nonexistent/libopenblas.so.0"), child.toString());
    }

    @Test
    void explicitOpenBlasThatCannotLoadFailsLoudly() throws Exception {
        Child child = run("openblas", "/nonexistent/libopenblas.so.0");
        assertEquals(1, child.exit(), child.toString());
        assertTrue(child.err().contains("OpenBlasUnavailableException"), child.toString());
        assertTrue(child.err().contains("-Dstride.openblas=/nonexistent/libopenblas.so.0 cannot be used as OpenBLAS:"
                + " no such file\nFix: point -Dstride.openblas at"), child.toString());
    }

    private record Child(int exit, String out, String err) {
    }

    private Child run(String backend, String openblasPath) throws Exception {
        Path err = tmp.resolve("stderr.txt");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-D" + GemmBackend.PROPERTY + "=" + backend,
                "-D" + OpenBlasLibrary.PATH_PROPERTY + "=" + openblasPath,
                "-cp", System.getProperty("java.class.path"), BackendMain.class.getName())
                .redirectError(err.toFile()).start();
        String out = new String(p.getInputStream().readAllBytes()).trim();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "child JVM did not finish");
        return new Child(p.exitValue(), out, Files.readString(err));
    }

    /** Child JVM: prints the default backend's name and whether any libopenblas is mapped. */
    static final class BackendMain {
        public static void main(String[] args) throws Exception {
            String name = GemmBackend.defaultGemm().name();
            boolean loaded = Files.readString(Path.of("/proc/self/maps")).contains("libopenblas");
            System.out.println(name + " loaded=" + loaded);
        }
    }
}
