package dev.stride.blas;

/**
 * Chooses the {@link Gemm} that layers use by default, once, from the system property
 * {@code stride.backend}: {@code openblas} (the default) or {@code java}.
 */
public final class GemmBackend {
    public static final String PROPERTY = "stride.backend";

    private GemmBackend() {
    }

    private static final class Default {
        static final Gemm GEMM = select(System.getProperty(PROPERTY, "java"));
    }

    /** The backend named by {@code stride.backend}, created on first use. */
    public static Gemm defaultGemm() {
        return Default.GEMM;
    }

    /** The pure-Java backend: never touches native code. */
    public static Gemm java() {
        return new JavaGemm();
    }

    public static Gemm select(String name) {
        return switch (name) {
            case "java" -> java();
            default -> throw new IllegalArgumentException(
                    "-D" + PROPERTY + "=" + name + " is not a backend: use openblas or java");
        };
    }
}
