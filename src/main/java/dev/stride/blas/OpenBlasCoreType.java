package dev.stride.blas;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Which CPU kernels a DYNAMIC_ARCH OpenBLAS build runs, and a warning when they waste the CPU.
 *
 * <p>Such a build picks its kernels when it is loaded: the set named by the environment variable
 * {@code OPENBLAS_CORETYPE}, else the one it detects. Pinning the variable is a common way to get the
 * same bits on every host, and the machine Stride is developed on ships with
 * {@code OPENBLAS_CORETYPE=Haswell} although its Zen 4 CPU runs AVX-512, where the Haswell kernels
 * run sgemm at about half the speed of the SkylakeX ones that OpenBLAS detects by itself
 * (docs/design-measurements.md). Stride respects the pin (overriding a user's environment
 * silently would be worse) but says what it costs ({@link #advice}), and
 * {@code -Dstride.openblas.coretype} decides for one JVM: a kernel set's name, or {@code auto} to
 * drop the pin and let OpenBLAS detect the CPU. Builds without DYNAMIC_ARCH ignore all of this.
 */
@SuppressWarnings("restricted")
public final class OpenBlasCoreType {
    /**
     * The system property that picks OpenBLAS's kernel set: a kernel set's name, or {@code auto} to let
     * OpenBLAS detect the CPU.
     */
    public static final String PROPERTY = "stride.openblas.coretype";
    /** The environment variable through which OpenBLAS reads a pinned kernel set. */
    public static final String ENV = "OPENBLAS_CORETYPE";
    /** The CPU flags (as /proc/cpuinfo spells them) that OpenBLAS's AVX-512 (SkylakeX) kernels use. */
    static final Set<String> AVX512_FLAGS = Set.of("avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl");
    /** OpenBLAS's kernel sets that use AVX-512 for single precision. */
    static final Set<String> AVX512_KERNELS = Set.of("SkylakeX", "Cooperlake", "SapphireRapids");

    /** What to do to the variable: {@code set} a value, {@code unset} it, or neither; and why. */
    record Choice(String set, boolean unset, String reason) {
    }

    private static volatile String applied = "not decided yet (OpenBLAS not loaded)";

    private OpenBlasCoreType() {
    }

    /** The decision from the property and the variable the process already has (each null when absent). */
    static Choice choose(String property, String existing) {
        boolean pinned = existing != null && !existing.isBlank();
        if (property != null && !property.isBlank()) {
            String p = property.trim();
            if (p.equalsIgnoreCase("auto")) {
                return new Choice(null, pinned, "detected by OpenBLAS (-D" + PROPERTY + "=auto"
                        + (pinned ? " dropped " + ENV + "=" + existing : "") + ")");
            }
            return new Choice(p, false, p + " from -D" + PROPERTY);
        }
        return pinned ? new Choice(null, false, ENV + "=" + existing + " from the environment")
                : new Choice(null, false, "detected by OpenBLAS");
    }

    /** Decides from this process's settings and changes the variable if needed; call before OpenBLAS is opened. */
    static void apply() {
        Choice choice = choose(System.getProperty(PROPERTY), System.getenv(ENV));
        boolean ok = choice.set() != null ? ProcessEnvironment.set(ENV, choice.set())
                : !choice.unset() || ProcessEnvironment.unset(ENV);
        applied = ok ? choice.reason() : choice.reason() + ", but changing " + ENV + " failed, so it was not applied";
    }

    /**
     * How the kernels were chosen, for {@code stride info}.
     *
     * @return one line for {@code stride info}
     */
    public static String applied() {
        return applied;
    }

    /**
     * A warning when the loaded build's kernels do not use AVX-512 on a CPU that has it, with the
     * fix; null when the kernels fit the CPU or the build's config names no kernel set.
     *
     * @param config OpenBLAS's build description ({@link OpenBlasGemm#config()})
     * @param cpuFlags the CPU's flags, as /proc/cpuinfo spells them
     * @return the warning, or null
     */
    public static String advice(String config, Set<String> cpuFlags) {
        String kernels = kernelsOf(config);
        if (kernels == null || AVX512_KERNELS.contains(kernels) || !cpuFlags.containsAll(AVX512_FLAGS)) {
            return null;
        }
        return "OpenBLAS runs its " + kernels + " kernels (" + applied() + ") on a CPU with AVX-512, where its"
                + " SkylakeX kernels measured 1.6-1.9x faster on convolution GEMMs; unset " + ENV
                + ", or run with -D" + PROPERTY + "=auto (CLI: --openblas-kernels auto)";
    }

    /**
     * True when the build's config names an AVX-512 kernel set; OpenBLAS pairs those with its
     * small-matrix GEMM kernels. False for other sets and for builds whose config names none.
     */
    static boolean hasSmallMatrixKernels(String config) {
        String kernels = kernelsOf(config);
        return kernels != null && AVX512_KERNELS.contains(kernels);
    }

    /** The kernel set a DYNAMIC_ARCH config names: the word before MAX_THREADS=...; null for other builds. */
    static String kernelsOf(String config) {
        List<String> words = List.of(config.trim().split("\\s+"));
        if (!words.contains("DYNAMIC_ARCH")) {
            return null;
        }
        for (int i = 1; i < words.size(); i++) {
            if (words.get(i).startsWith("MAX_THREADS")) {
                return words.get(i - 1);
            }
        }
        return null;
    }

    /**
     * The flags of the first CPU in /proc/cpuinfo; empty where there is no such file (not Linux).
     *
     * @return the flags, as /proc/cpuinfo spells them
     */
    public static Set<String> cpuFlags() {
        Path cpuinfo = Path.of("/proc/cpuinfo");
        if (!Files.isReadable(cpuinfo)) {
            return Set.of();
        }
        try (var lines = Files.lines(cpuinfo)) {
            return parseFlags(lines.toList());
        } catch (IOException | RuntimeException e) {
            return Set.of();
        }
    }

    /** The words after "flags :" on the first such line of /proc/cpuinfo's text. */
    static Set<String> parseFlags(List<String> cpuinfo) {
        for (String line : cpuinfo) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).trim().equals("flags")) {
                return Arrays.stream(line.substring(colon + 1).trim().split("\\s+"))
                        .filter(w -> !w.isEmpty()).collect(Collectors.toUnmodifiableSet());
            }
        }
        return Set.of();
    }

}
