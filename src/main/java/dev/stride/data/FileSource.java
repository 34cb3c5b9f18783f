package dev.stride.data;

import java.io.IOException;
import java.io.OutputStream;

/**
 * Somewhere a {@link VerifiedCache} can get a file from: a web mirror, a package archive, a test's
 * fake. A source only writes bytes; checking them is the cache's job, so a source cannot install a
 * wrong file however it fails.
 */
public interface FileSource extends AutoCloseable {
    /**
     * One line for progress messages, e.g. the URL prefix or the package name.
     *
     * @return the description
     */
    String describe();

    /**
     * Writes the complete, uncompressed content of {@code file} to {@code destination}, or throws.
     * The cache's stream refuses bytes beyond {@code file.size()}, so a source that streams (and
     * stops at the first exception) never produces more than that.
     *
     * @param file the file wanted
     * @param destination where its bytes go
     * @throws IOException when this source does not have the file or cannot deliver it
     */
    void fetch(ExpectedFile file, OutputStream destination) throws IOException;

    /** Releases what the source kept between files (temporary downloads). */
    @Override
    default void close() throws IOException {
    }
}
