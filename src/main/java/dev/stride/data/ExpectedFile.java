package dev.stride.data;

import java.util.HexFormat;
import java.util.Locale;

/**
 * A file a cache directory must hold, identified by its size and a digest of its exact bytes:
 * SHA-256 where we know it, MD5 where only that is published (the CIFAR archives). The size bounds
 * what a download or a decompression may write for it.
 *
 * @param name      file name inside the cache directory (no path separators)
 * @param size      its length in bytes
 * @param algorithm "SHA-256" or "MD5"
 * @param digest    the digest in lower-case hex
 */
public record ExpectedFile(String name, long size, String algorithm, String digest) {
    /**
     * Checks the name, size and digest.
     *
     * @throws IllegalArgumentException when the name has a path in it, the size is negative, or the digest is
     *     not hex of the algorithm's length
     */
    public ExpectedFile {
        if (name.isEmpty() || name.contains("/") || name.contains("\\") || name.startsWith(".")) {
            throw new IllegalArgumentException("a cached file needs a plain, visible file name, got '" + name + "'");
        }
        if (size < 0) {
            throw new IllegalArgumentException(name + ": a file's size cannot be negative, got " + size);
        }
        int hexDigits = switch (algorithm) {
            case "SHA-256" -> 64;
            case "MD5" -> 32;
            default -> throw new IllegalArgumentException(name + ": digest must be SHA-256 or MD5, got " + algorithm);
        };
        digest = digest.toLowerCase(Locale.ROOT);
        if (digest.length() != hexDigits || !digest.chars().allMatch(HexFormat::isHexDigit)) {
            throw new IllegalArgumentException(name + ": a " + algorithm + " is " + hexDigits + " hex digits, got '" + digest + "'");
        }
    }

    /**
     * A file known by its SHA-256.
     *
     * @param name the file name
     * @param size its length in bytes
     * @param sha256 its SHA-256, in hex
     */
    public ExpectedFile(String name, long size, String sha256) {
        this(name, size, "SHA-256", sha256);
    }

    /**
     * A file known by its MD5 (only where no SHA-256 is published).
     *
     * @param name the file name
     * @param size its length in bytes
     * @param md5 its MD5, in hex
     * @return the expectation
     */
    public static ExpectedFile md5(String name, long size, String md5) {
        return new ExpectedFile(name, size, "MD5", md5);
    }

    /**
     * The digest, which is a SHA-256 for files made with the three-argument constructor.
     *
     * @return the digest, in lower-case hex
     */
    public String sha256() {
        return digest;
    }
}
