package dev.stride.data;

import java.io.IOException;
import java.nio.file.Path;

/**
 * An IDX file (or a pair of them) that is not what it should be: truncated, corrupt, the wrong kind
 * of file, or labels that do not match their images. The message names the file, the byte offset
 * and what was expected there versus what was found, so a user can tell a half-finished download
 * from a swapped file argument.
 */
public final class IdxFormatException extends IOException {
    private final transient Path file;
    /** The byte offset of the problem, or -1 for a pair of files. */
    private final long offset;

    /**
     * An error at one position of one file; the message says what was expected and found there.
     *
     * @param offset byte offset in the file's data; for a gzip file, in its uncompressed data, since
     *               that is where the IDX layout lives
     * @param file the file
     * @param gzip whether the file is gzip-compressed
     * @param expected what the format requires there
     * @param found what the file holds
     */
    public IdxFormatException(Path file, boolean gzip, long offset, String expected, String found) {
        super(file + (gzip ? " (gzip; offsets count uncompressed bytes)" : "") + ": at byte offset " + offset
                + ": expected " + expected + ", found " + found);
        this.file = file;
        this.offset = offset;
    }

    /**
     * An error about a pair of files, such as an image/label count mismatch.
     *
     * @param file the first file of the pair
     * @param message what is wrong
     */
    public IdxFormatException(Path file, String message) {
        super(message);
        this.file = file;
        this.offset = -1;
    }

    /**
     * The file at fault (for a pair, the first one named in the message).
     *
     * @return the file
     */
    public Path file() {
        return file;
    }

    /**
     * Byte offset of the problem, or -1 when it concerns a pair of files rather than one position.
     *
     * @return the offset
     */
    public long offset() {
        return offset;
    }
}
