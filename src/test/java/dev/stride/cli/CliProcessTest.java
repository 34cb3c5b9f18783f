package dev.stride.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The command line in a JVM of its own, for what this one cannot show: an environment variable, and
 * an OpenBLAS that has not been loaded yet (the first load decides for the whole JVM).
 */
class CliProcessTest {
    @TempDir
    Path dir;

    private record Exit(int code, String err) {
    }

    private static Exit stride(String openBlas, String... args) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED", "-Djava.awt.headless=true",
                "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        command.addAll(List.of(args));
        ProcessBuilder child = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        child.environment().put("STRIDE_OPENBLAS", openBlas);
        child.environment().remove("STRIDE_DEBUG");
        Process p = child.start();
        p.getOutputStream().close();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the child JVM did not finish");
        return new Exit(p.exitValue(), err);
    }

    @Test
    void aBadStrideOpenblasIsTwoLinesAboutThatVariable() throws Exception {
        Path missing = dir.resolve("libopenblas.so.0");
        Exit e = stride(missing.toString(), "info");
        assertEquals(1, e.code(), e.err());
        List<String> lines = e.err().lines().toList();
        assertEquals(2, lines.size(), e.err());
        assertEquals("stride info: STRIDE_OPENBLAS=" + missing + " cannot be used as OpenBLAS: no such file", lines.get(0));
        assertTrue(lines.get(1).startsWith("Fix: point STRIDE_OPENBLAS at an OpenBLAS shared library"), e.err());
        assertFalse(e.err().contains("ExceptionInInitializerError") || e.err().contains("\tat "), e.err());

        Exit verbose = stride(missing.toString(), "info", "--verbose");
        assertEquals(1, verbose.code());
        assertTrue(verbose.err().contains("\tat dev.stride.blas.OpenBlasLibrary"), verbose.err());
    }
}
