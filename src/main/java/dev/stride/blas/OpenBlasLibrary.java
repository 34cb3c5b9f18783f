package dev.stride.blas;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.SymbolLookup;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Finds the OpenBLAS shared library at run time and loads it where the jextract bindings look for
 * symbols. Places are tried in this order, and the first usable one wins:
 * <ol>
 *   <li>an explicit file: {@code -Dstride.openblas=/path} or the environment variable
 *       {@code STRIDE_OPENBLAS}. When one is given nothing else is tried, so a typo fails loudly
 *       instead of silently running another build;</li>
 *   <li>the system's libopenblas (Debian/Ubuntu multiarch directories, Fedora's /usr/lib64), which
 *       is preferred because the distribution built it for the machine. The system property
 *       {@code -Dstride.openblas.system-path=FILE:FILE} replaces that list of files, and an empty
 *       value ({@code -Dstride.openblas.system-path=}) skips this step, so the bundled build below is
 *       loaded even on a machine that has a system OpenBLAS: that is how CI tests both;</li>
 *   <li>the build that Maven Central ships in {@code org.bytedeco:openblas} (on the class path),
 *       unpacked once into a per-user cache by {@link BundledOpenBlas}.</li>
 * </ol>
 * A candidate is usable when it can be opened and exports {@code cblas_sgemm} and
 * {@code openblas_get_config}, so a reference BLAS or a broken file is skipped with a reason.
 */
// Opening native libraries is this class's job; the JVM is started with native access enabled.
@SuppressWarnings("restricted")
public final class OpenBlasLibrary {
    /** The system property naming the library file to load, before any other place. */
    public static final String PATH_PROPERTY = "stride.openblas";
    /** The environment variable naming the library file to load, when the property is not set. */
    public static final String PATH_ENV = "STRIDE_OPENBLAS";
    /**
     * The system property listing the system files to try, separated by ':'; empty skips the system search.
     */
    public static final String SYSTEM_PATH_PROPERTY = "stride.openblas.system-path";

    /** Where the loaded library came from. */
    public enum Source {
        /** The file {@link #PATH_PROPERTY} or {@link #PATH_ENV} names. */
        EXPLICIT,
        /** The system's library. */
        SYSTEM,
        /** The build unpacked from the {@code org.bytedeco:openblas} jar. */
        BUNDLED
    }

    /**
     * What to search: the explicit file (null when none; {@code explicitOrigin} says how it was
     * given), the system files in order of preference, and the cache root for the bundled build.
     * Tests inject their own to force each source.
     */
    record Search(Path explicit, String explicitOrigin, List<Path> systemCandidates, Path cacheRoot,
                  ClassLoader resources) {
        static Search fromEnvironment() {
            String property = System.getProperty(PATH_PROPERTY);
            String env = System.getenv(PATH_ENV);
            Path explicit = null;
            String origin = null;
            if (property != null && !property.isBlank()) {
                explicit = Path.of(property);
                origin = "-D" + PATH_PROPERTY;
            } else if (env != null && !env.isBlank()) {
                explicit = Path.of(env);
                origin = PATH_ENV;
            }
            return new Search(explicit, origin, systemCandidatesFrom(System.getProperty(SYSTEM_PATH_PROPERTY)),
                    BundledOpenBlas.defaultCacheRoot(), OpenBlasLibrary.class.getClassLoader());
        }
    }

    private static final Object LOCK = new Object();
    private static OpenBlasLibrary loaded;

    private final Path path;
    private final Source source;
    private final List<Path> dependencies; // loaded before the library itself (bundled runtime)

    private OpenBlasLibrary(Path path, Source source, List<Path> dependencies) {
        this.path = path;
        this.source = source;
        this.dependencies = List.copyOf(dependencies);
    }

    /**
     * The library for this JVM: located on the first call, from the system property, the environment
     * and the default places, and loaded into the class loader's lookup where the bindings find it.
     *
     * @throws OpenBlasUnavailableException naming every place tried and how to fix it
     * @return the loaded library, the same on every call
     */
    public static OpenBlasLibrary load() {
        return load(Search.fromEnvironment());
    }

    /** {@link #load()} with the places given; the first successful call decides for the whole JVM. */
    static OpenBlasLibrary load(Search search) {
        synchronized (LOCK) {
            if (loaded == null) {
                // Before locate: checking a candidate opens it, and OpenBLAS picks its kernels then.
                OpenBlasCoreType.apply();
                singleThreadedUnlessConfigured();
                OpenBlasLibrary found = locate(search);
                found.activate();
                loaded = found;
            }
            return loaded;
        }
    }

    /**
     * Starts OpenBLAS with one thread unless the user's environment says otherwise. A pthreads
     * build starts a server thread per core when it loads; Stride splits its work over threads of
     * its own and runs OpenBLAS one thread per call, and with those idle servers present two Stride
     * threads calling sgemm at once ran slower than one on the Maven Central builds
     * (docs/design-measurements.md). {@link OpenBlasGemm#setThreads} can still raise the count.
     */
    private static void singleThreadedUnlessConfigured() {
        if (System.getenv("OPENBLAS_NUM_THREADS") == null && System.getenv("GOTO_NUM_THREADS") == null) {
            ProcessEnvironment.set("OPENBLAS_NUM_THREADS", "1");
        }
    }

    /**
     * The library file that was loaded (or would be, for one located but not loaded).
     *
     * @return the library's file
     */
    public Path path() {
        return path;
    }

    /**
     * Where the library came from: the property or variable, the system, or the bundled build.
     *
     * @return the source
     */
    public Source source() {
        return source;
    }

    /**
     * How the CPU kernels of a DYNAMIC_ARCH build were chosen (see {@link OpenBlasCoreType}).
     *
     * @return one line for {@code stride info}
     */
    public String kernelChoice() {
        return OpenBlasCoreType.applied();
    }

    @Override
    public String toString() {
        return path + " (" + source.name().toLowerCase(Locale.ROOT) + ")";
    }

    /** Finds the first usable library without loading it for the bindings (it is opened and closed). */
    static OpenBlasLibrary locate(Search search) {
        List<String> tried = new ArrayList<>();
        if (search.explicit() != null) {
            Path file = search.explicit();
            String problem = problemWith(file, List.of());
            if (problem == null) {
                return new OpenBlasLibrary(file, Source.EXPLICIT, List.of());
            }
            throw OpenBlasUnavailableException.explicit(search.explicitOrigin(), file, problem);
        }
        if (search.systemCandidates().isEmpty()) {
            tried.add("system: no files to try (an empty -D" + SYSTEM_PATH_PROPERTY + " skips the system search)");
        }
        for (Path file : search.systemCandidates()) {
            String problem = problemWith(file, List.of());
            if (problem == null) {
                return new OpenBlasLibrary(file, Source.SYSTEM, List.of());
            }
            tried.add("system: " + file + ": " + problem);
        }
        try {
            BundledOpenBlas.Unpacked bundled = BundledOpenBlas.unpack(search.resources(), search.cacheRoot());
            String problem = problemWith(bundled.library(), bundled.dependencies());
            if (problem == null) {
                return new OpenBlasLibrary(bundled.library(), Source.BUNDLED, bundled.dependencies());
            }
            tried.add("bundled: " + bundled.library() + ": " + problem);
        } catch (BundledOpenBlas.UnavailableException e) {
            tried.add("bundled: " + e.getMessage());
        }
        throw OpenBlasUnavailableException.searched("No usable OpenBLAS library found", tried);
    }

    /**
     * The system files to try: those of {@code -Dstride.openblas.system-path} when it is set (split at
     * {@link File#pathSeparator}; empty for none), else {@link #defaultSystemCandidates()}.
     */
    static List<Path> systemCandidatesFrom(String property) {
        if (property == null) {
            return defaultSystemCandidates();
        }
        return Arrays.stream(property.split(File.pathSeparator)).filter(s -> !s.isBlank()).map(Path::of).toList();
    }

    /** The system files, most preferred first: the distribution's selected default, then its variants. */
    static List<Path> defaultSystemCandidates() {
        String triple = switch (System.getProperty("os.arch")) {
            case "amd64", "x86_64" -> "x86_64-linux-gnu";
            case "aarch64", "arm64" -> "aarch64-linux-gnu";
            case "ppc64le" -> "powerpc64le-linux-gnu";
            case "riscv64" -> "riscv64-linux-gnu";
            default -> System.getProperty("os.arch") + "-linux-gnu";
        };
        String multiarch = "/usr/lib/" + triple;
        // Debian/Ubuntu: libopenblas.so.0 in the multiarch dir is the alternatives-selected variant;
        // the variant dirs are tried next, threaded builds first. Fedora names its pthreads build
        // libopenblasp and its OpenMP build libopenblaso; plain libopenblas there is single-threaded.
        return List.of(
                Path.of(multiarch, "libopenblas.so.0"),
                Path.of(multiarch, "openblas-pthread", "libopenblas.so.0"),
                Path.of(multiarch, "openblas-openmp", "libopenblas.so.0"),
                Path.of(multiarch, "openblas-serial", "libopenblas.so.0"),
                Path.of("/usr/lib64/libopenblasp.so.0"),
                Path.of("/usr/lib64/libopenblaso.so.0"),
                Path.of("/usr/lib64/libopenblas.so.0"),
                Path.of("/usr/lib/libopenblas.so.0"),
                Path.of("/usr/local/lib/libopenblas.so.0"),
                Path.of("/opt/OpenBLAS/lib/libopenblas.so.0"));
    }

    /**
     * Null when the file opens and exports what Stride calls, else why not. The check opens the
     * library in a confined arena, so a rejected candidate does not stay mapped.
     */
    private static String problemWith(Path file, List<Path> dependencies) {
        if (!Files.exists(file)) {
            return "no such file";
        }
        if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
            return "not a readable file";
        }
        // Checked here because the JVM, asked to open a file that is not ELF, prints a misleading
        // warning about the stack guard before dlopen fails.
        if (!isElf(file)) {
            return "not an ELF shared library";
        }
        try (Arena arena = Arena.ofConfined()) {
            for (Path dependency : dependencies) {
                SymbolLookup.libraryLookup(dependency, arena);
            }
            SymbolLookup lookup = SymbolLookup.libraryLookup(file, arena);
            for (String symbol : new String[] {"cblas_sgemm", "openblas_get_config"}) {
                if (lookup.find(symbol).isEmpty()) {
                    return "opens, but does not export " + symbol + " (not an OpenBLAS build?)";
                }
            }
            return null;
        } catch (IllegalArgumentException e) {
            return "cannot be opened: " + e.getMessage();
        }
    }

    private static boolean isElf(Path file) {
        byte[] magic = new byte[4];
        try (InputStream in = Files.newInputStream(file)) {
            return in.readNBytes(magic, 0, 4) == 4 && magic[0] == 0x7f && magic[1] == 'E' && magic[2] == 'L' && magic[3] == 'F';
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Loads the library into this class loader's native libraries: the jextract bindings look up
     * symbols with {@code SymbolLookup.loaderLookup()}, which sees exactly the libraries loaded by
     * {@link System#load}. The bundled runtime libraries (libgfortran and friends) are opened first,
     * for good, so the dynamic linker resolves libopenblas's dependencies to them by soname.
     */
    private void activate() {
        try {
            for (Path dependency : dependencies) {
                SymbolLookup.libraryLookup(dependency, Arena.global());
            }
            System.load(path.toAbsolutePath().toString());
        } catch (IllegalArgumentException | UnsatisfiedLinkError e) {
            throw OpenBlasUnavailableException.searched("OpenBLAS at " + path + " was found but failed to load: "
                    + e.getMessage(), List.of(source.name().toLowerCase(Locale.ROOT) + ": " + path));
        }
    }
}
