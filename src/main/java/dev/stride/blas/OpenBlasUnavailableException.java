package dev.stride.blas;

import java.nio.file.Path;
import java.util.List;

/**
 * No usable OpenBLAS library was found. The message says what was tried, why it was rejected, and
 * how to fix it; {@link #summary()} is the one-line form for logs.
 */
public final class OpenBlasUnavailableException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** The first line of the message. */
    private final String summary;

    private OpenBlasUnavailableException(String summary, String details) {
        super(summary + "\n" + details);
        this.summary = summary;
    }

    /** Nothing usable in the places searched: each place with its reason, then every way to get a library. */
    static OpenBlasUnavailableException searched(String summary, List<String> triedPlaces) {
        StringBuilder sb = new StringBuilder("Places tried, in order:");
        for (String place : triedPlaces) {
            sb.append("\n  - ").append(place);
        }
        sb.append("\nFix: install the system library ('apt-get install libopenblas0-pthread' on Debian/Ubuntu,"
                        + " 'dnf install openblas-threads' on Fedora), or point -D")
                .append(OpenBlasLibrary.PATH_PROPERTY).append("=/path/to/libopenblas.so.0 (or the environment variable ")
                .append(OpenBlasLibrary.PATH_ENV).append(") at one, or run with -D")
                .append(GemmBackend.PROPERTY).append("=java to use the pure-Java GEMM.");
        return new OpenBlasUnavailableException(summary, sb.toString());
    }

    /**
     * The file that {@code origin} ({@code -Dstride.openblas} or {@code STRIDE_OPENBLAS}) names cannot
     * be used. Nothing else was tried, so the message is two lines about that option alone: installing
     * a system library would not help while the option is set.
     */
    static OpenBlasUnavailableException explicit(String origin, Path file, String problem) {
        String drop = origin.equals(OpenBlasLibrary.PATH_ENV) ? "unset " + origin : "leave " + origin + " out";
        return new OpenBlasUnavailableException(origin + "=" + file + " cannot be used as OpenBLAS: " + problem,
                "Fix: point " + origin + " at an OpenBLAS shared library (libopenblas.so.0), or " + drop
                        + " to use the system's OpenBLAS or the bundled one (or run with -D" + GemmBackend.PROPERTY
                        + "=java for the pure-Java GEMM).");
    }

    /**
     * One line: what went wrong, without the list of places.
     *
     * @return the summary line
     */
    public String summary() {
        return summary;
    }
}
