package dev.stride.blas;

import java.util.List;

/**
 * No usable OpenBLAS library was found. The message names every place that was tried, why each one
 * was rejected, and how to fix it; {@link #summary()} is the one-line form for logs.
 */
public final class OpenBlasUnavailableException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String summary;

    OpenBlasUnavailableException(String summary, List<String> triedPlaces) {
        super(message(summary, triedPlaces));
        this.summary = summary;
    }

    /** One line: what went wrong, without the list of places. */
    public String summary() {
        return summary;
    }

    private static String message(String summary, List<String> triedPlaces) {
        StringBuilder sb = new StringBuilder(summary).append("\nPlaces tried, in order:");
        for (String place : triedPlaces) {
            sb.append("\n  - ").append(place);
        }
        sb.append("\nFix: install the system library ('apt-get install libopenblas0-pthread' on Debian/Ubuntu,"
                        + " 'dnf install openblas-threads' on Fedora), or point -D")
                .append(OpenBlasLibrary.PATH_PROPERTY).append("=/path/to/libopenblas.so.0 (or the environment variable ")
                .append(OpenBlasLibrary.PATH_ENV).append(") at one, or run with -D")
                .append(GemmBackend.PROPERTY).append("=java to use the pure-Java GEMM.");
        return sb.toString();
    }
}
