package dev.stride.data;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Somewhere a {@link VerifiedCache} can get a file from: a web mirror, a package archive, a test's
 * fake. A source only writes bytes; checking them is the cache's job, so a source cannot install a
 * wrong file however it fails.
 */
public interface FileSource extends AutoCloseable {
    /** One line for progress messages, e.g. the URL prefix or the package name. */
    String describe();

    /**
     * Writes the complete, uncompressed content of {@code name} to {@code destination} (an existing,
     * empty temporary file), or throws.
     */
    void fetch(String name, Path destination) throws IOException;

    /** Releases what the source kept between files (temporary downloads). */
    @Override
    default void close() throws IOException {
    }
}
