package dev.stride.blas;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The kernel choice for DYNAMIC_ARCH OpenBLAS builds, its warning, and that it reaches the library in a fresh JVM. */
class OpenBlasCoreTypeTest {
    private static final Set<String> ZEN4 = Set.of("fma", "avx2", "avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl");
    private static final String HASWELL = "OpenBLAS 0.3.21 NO_LAPACKE DYNAMIC_ARCH NO_AFFINITY Haswell MAX_THREADS=64";
    private static final String SKYLAKEX = "OpenBLAS 0.3.21 NO_LAPACKE DYNAMIC_ARCH NO_AFFINITY SkylakeX MAX_THREADS=64";

    @Test
    void theEnvironmentsPinIsKeptWithoutTheProperty() {
        OpenBlasCoreType.Choice c = OpenBlasCoreType.choose(null, "Haswell");
        assertNull(c.set());
        assertFalse(c.unset());
        assertTrue(c.reason().contains("OPENBLAS_CORETYPE=Haswell"), c.reason());
        assertEquals("detected by OpenBLAS", OpenBlasCoreType.choose(" ", null).reason());
    }

    @Test
    void thePropertyNamesKernelsOrDropsThePin() {
        OpenBlasCoreType.Choice named = OpenBlasCoreType.choose("SkylakeX", "Haswell");
        assertEquals("SkylakeX", named.set());
        OpenBlasCoreType.Choice auto = OpenBlasCoreType.choose("AUTO", "Haswell");
        assertNull(auto.set());
        assertTrue(auto.unset());
        assertTrue(auto.reason().contains("dropped OPENBLAS_CORETYPE=Haswell"), auto.reason());
        assertFalse(OpenBlasCoreType.choose("auto", null).unset());
    }

    @Test
    void avx2KernelsOnAnAvx512CpuAreWarnedAboutWithTheFix() {
        String advice = OpenBlasCoreType.advice(HASWELL, ZEN4);
        assertTrue(advice.contains("Haswell kernels") && advice.contains("-Dstride.openblas.coretype=auto")
                && advice.contains("unset OPENBLAS_CORETYPE"), advice);
        assertNull(OpenBlasCoreType.advice(SKYLAKEX, ZEN4));
        assertNull(OpenBlasCoreType.advice(HASWELL, Set.of("fma", "avx2")));
        assertNull(OpenBlasCoreType.advice("OpenBLAS 0.3.21 NO_LAPACKE HASWELL MAX_THREADS=64", ZEN4), "no DYNAMIC_ARCH");
    }

    @Test
    void kernelsAreReadFromTheConfig() {
        assertEquals("Haswell", OpenBlasCoreType.kernelsOf(HASWELL));
        assertEquals("Zen", OpenBlasCoreType.kernelsOf("OpenBLAS 0.3.31 DYNAMIC_ARCH Zen MAX_THREADS=128"));
        assertNull(OpenBlasCoreType.kernelsOf("OpenBLAS 0.3.21 DYNAMIC_ARCH"));
    }

    @Test
    void onlyAvx512KernelSetsCountAsHavingSmallMatrixKernels() {
        assertTrue(OpenBlasCoreType.hasSmallMatrixKernels(SKYLAKEX));
        assertTrue(OpenBlasCoreType.hasSmallMatrixKernels("OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY Cooperlake MAX_THREADS=64"));
        assertFalse(OpenBlasCoreType.hasSmallMatrixKernels(HASWELL));
        assertFalse(OpenBlasCoreType.hasSmallMatrixKernels("OpenBLAS 0.3.21 DYNAMIC_ARCH"));
    }

    @Test
    void flagsAreReadFromTheFirstFlagsLine() {
        List<String> cpuinfo = List.of("processor\t: 0", "model name\t: AMD EPYC", "flags\t\t: fpu avx2 avx512f  avx512vl",
                "flags\t\t: something else");
        assertEquals(Set.of("fpu", "avx2", "avx512f", "avx512vl"), OpenBlasCoreType.parseFlags(cpuinfo));
        assertEquals(Set.of(), OpenBlasCoreType.parseFlags(List.of("processor : 0")));
    }

    /** Fresh JVMs: the property's kernels are the ones OpenBLAS loads, over the environment's pin. */
    @Test
    void theChoiceReachesADynamicArchLibrary() throws Exception {
        assertEquals("Haswell", kernelsInChildJvm("SkylakeX", "-Dstride.openblas.coretype=Haswell"));
        assertEquals("Haswell", kernelsInChildJvm("Haswell", "-Dstride.openblas.coretype="));
        String detected = kernelsInChildJvm(null, "-Dstride.openblas.coretype=");
        assertEquals(detected, kernelsInChildJvm("Haswell", "-Dstride.openblas.coretype=auto"));
        if (OpenBlasCoreType.cpuFlags().containsAll(OpenBlasCoreType.AVX512_FLAGS)) {
            assertEquals("SkylakeX", kernelsInChildJvm("Haswell", "-Dstride.openblas.coretype=SkylakeX"));
        }
    }

    /** The kernel set a child JVM's OpenBLAS runs with {@code OPENBLAS_CORETYPE=pin} (unset when null); skips non-DYNAMIC_ARCH builds. */
    private static String kernelsInChildJvm(String pin, String property) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED", property));
        // The child searches where this JVM was told to, so CI's bundled-only run checks the bundled build.
        String systemPath = System.getProperty(OpenBlasLibrary.SYSTEM_PATH_PROPERTY);
        if (systemPath != null) {
            command.add("-D" + OpenBlasLibrary.SYSTEM_PATH_PROPERTY + "=" + systemPath);
        }
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), ConfigMain.class.getName()));
        ProcessBuilder child = new ProcessBuilder(command).redirectErrorStream(true);
        if (pin == null) {
            child.environment().remove(OpenBlasCoreType.ENV);
        } else {
            child.environment().put(OpenBlasCoreType.ENV, pin);
        }
        Process p = child.start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes()).trim();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "child JVM did not finish");
        assertEquals(0, p.exitValue(), out);
        String kernels = OpenBlasCoreType.kernelsOf(out);
        assumeTrue(kernels != null, "OpenBLAS without DYNAMIC_ARCH ignores the kernel choice: " + out);
        return kernels;
    }

    /** Child JVM: loads OpenBLAS the normal way and prints its config. */
    static final class ConfigMain {
        public static void main(String[] args) {
            System.out.println(new OpenBlasGemm().config());
        }
    }
}
