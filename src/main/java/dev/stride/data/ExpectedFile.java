package dev.stride.data;

import java.util.HexFormat;
import java.util.Locale;

/**
 * A file a cache directory must hold, identified by its size and the SHA-256 of its exact bytes.
 * The size bounds what a download or a decompression may write for it.
 *
 * @param name   file name inside the cache directory (no path separators)
 * @param size   its length in bytes
 * @param sha256 64 hex digits
 */
public record ExpectedFile(String name, long size, String sha256) {
    public ExpectedFile {
        if (name.isEmpty() || name.contains("/") || name.contains("\\") || name.startsWith(".")) {
            throw new IllegalArgumentException("a cached file needs a plain, visible file name, got '" + name + "'");
        }
        if (size < 0) {
            throw new IllegalArgumentException(name + ": a file's size cannot be negative, got " + size);
        }
        sha256 = sha256.toLowerCase(Locale.ROOT);
        if (sha256.length() != 64 || !sha256.chars().allMatch(HexFormat::isHexDigit)) {
            throw new IllegalArgumentException(name + ": a SHA-256 is 64 hex digits, got '" + sha256 + "'");
        }
    }
}
