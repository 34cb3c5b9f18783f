package dev.stride.blas;

/**
 * Chooses the {@link Gemm} that layers use by default, once, from the system property
 * {@code stride.backend}:
 * <ul>
 *   <li>{@code openblas} (the default): OpenBLAS, and an {@link OpenBlasUnavailableException} naming
 *       every place searched when it cannot be loaded;</li>
 *   <li>{@code java}: the pure-Java GEMM; native code is never touched;</li>
 *   <li>{@code auto}: OpenBLAS when it loads, else the Java GEMM with one log line saying why.</li>
 * </ul>
 */
public final class GemmBackend {
    /**
     * The system property that picks the default backend: {@code openblas} (the default), {@code java} or
     * {@code auto}.
     */
    public static final String PROPERTY = "stride.backend";

    private static final System.Logger LOG = System.getLogger(GemmBackend.class.getName());

    private GemmBackend() {
    }

    // A holder class, so the property is read and a backend created only on first use.
    private static final class Default {
        static final Gemm GEMM = select(System.getProperty(PROPERTY, "openblas"));
    }

    /**
     * The backend named by {@code stride.backend}, created on first use.
     *
     * @return the same instance on every call
     */
    public static Gemm defaultGemm() {
        return Default.GEMM;
    }

    /**
     * The pure-Java backend: never touches native code.
     *
     * @return a pure-Java GEMM
     */
    public static Gemm java() {
        return new JavaGemm();
    }

    /**
     * The OpenBLAS backend.
     *
     * @throws OpenBlasUnavailableException when no OpenBLAS library can be loaded
     * @return the OpenBLAS GEMM
     */
    public static Gemm openBlas() {
        return new OpenBlasGemm();
    }

    /**
     * The backend for a {@code stride.backend} value: {@code openblas}, {@code java} or {@code auto}.
     *
     * @param name the backend's name
     * @return a new backend of that kind
     * @throws IllegalArgumentException for any other name
     */
    public static Gemm select(String name) {
        return switch (name) {
            case "openblas" -> openBlas();
            case "java" -> java();
            case "auto" -> openBlasOrJava();
            default -> throw new IllegalArgumentException(
                    "-D" + PROPERTY + "=" + name + " is not a backend: use openblas, java or auto");
        };
    }

    private static Gemm openBlasOrJava() {
        try {
            return openBlas();
        } catch (OpenBlasUnavailableException e) {
            LOG.log(System.Logger.Level.WARNING, "-D" + PROPERTY + "=auto: using the Java GEMM because "
                    + e.summary() + " (run with -D" + PROPERTY + "=openblas to see where it looked)");
            return java();
        }
    }
}
