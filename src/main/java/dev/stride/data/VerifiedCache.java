package dev.stride.data;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Fills a directory with files whose SHA-256 is known, trying sources in order.
 *
 * <p>A file already present with the right size and hash is left alone. Anything fetched goes to a
 * temporary file in the same directory, through a stream that stops at the expected size (a gzip
 * bomb cannot fill the disk), is hashed, and only then moved onto its final name atomically, so a
 * reader of the directory never sees a partial or wrong file, even if the process dies mid-download.
 * A source that fails with an I/O error is not asked again in the same run (an unreachable mirror
 * would otherwise cost its timeout once per file); one that delivers wrong bytes is reported and the
 * next source tried.
 */
public final class VerifiedCache {
    private final Path dir;
    private final Consumer<String> progress;

    /**
     * A cache of the files in {@code dir}.
     *
     * @param progress receives one line per step (source tried, file installed, failure)
     * @param dir the cache folder
     */
    public VerifiedCache(Path dir, Consumer<String> progress) {
        this.dir = dir;
        this.progress = progress;
    }

    /**
     * Makes every expected file present and verified.
     *
     * @throws IOException naming each missing file and why every source failed for it
     * @param files the files the folder must hold
     * @param sources where to get a missing one, tried in order
     */
    public void ensure(List<ExpectedFile> files, List<? extends FileSource> sources) throws IOException {
        Files.createDirectories(dir);
        List<ExpectedFile> missing = new ArrayList<>();
        for (ExpectedFile f : files) {
            Path target = dir.resolve(f.name());
            if (Files.isRegularFile(target) && Files.size(target) == f.size() && digest(target, f.algorithm()).equals(f.digest())) {
                progress.accept(f.name() + ": present, " + f.algorithm() + " verified");
            } else {
                if (Files.exists(target)) {
                    progress.accept(f.name() + ": present but its " + f.algorithm() + " is wrong; fetching it again");
                }
                missing.add(f);
            }
        }
        Set<FileSource> broken = new HashSet<>();
        for (ExpectedFile f : missing) {
            List<String> failures = new ArrayList<>();
            if (!fetchOne(f, sources, broken, failures)) {
                throw new IOException("could not obtain " + f.name() + " for " + dir + " from any source:\n  " + String.join("\n  ", failures)
                        + "\nPlace the uncompressed file there yourself (" + f.algorithm() + " " + f.digest() + ") and run again.");
            }
        }
    }

    private boolean fetchOne(ExpectedFile f, List<? extends FileSource> sources, Set<FileSource> broken, List<String> failures)
            throws IOException {
        for (FileSource source : sources) {
            if (broken.contains(source)) {
                failures.add(source.describe() + ": skipped, it failed for an earlier file");
                continue;
            }
            progress.accept(f.name() + ": trying " + source.describe());
            Path temp = Files.createTempFile(dir, "." + f.name() + ".", ".part");
            try {
                long start = System.nanoTime();
                try (OutputStream out = SizeLimit.output(Files.newOutputStream(temp), f.size(), f.name() + " from " + source.describe())) {
                    source.fetch(f, out);
                }
                String actual = digest(temp, f.algorithm());
                if (!actual.equals(f.digest()) || Files.size(temp) != f.size()) {
                    String why = f.name() + " from " + source.describe() + ": " + f.algorithm() + " mismatch: expected " + f.digest()
                            + " (" + f.size() + " bytes), found " + actual + " (" + Files.size(temp) + " bytes); discarded";
                    progress.accept(why);
                    failures.add(why);
                    continue;
                }
                install(temp, dir.resolve(f.name()));
                progress.accept(String.format("%s: installed from %s (%d bytes, %.1f s, %s verified)", f.name(),
                        source.describe(), Files.size(dir.resolve(f.name())), (System.nanoTime() - start) / 1e9, f.algorithm()));
                return true;
            } catch (IOException e) {
                String why = f.name() + " from " + source.describe() + ": " + e.getClass().getSimpleName()
                        + (e.getMessage() == null ? " (no network or no route to it?)" : ": " + e.getMessage());
                progress.accept(why);
                failures.add(why);
                broken.add(source);
            } finally {
                Files.deleteIfExists(temp);
            }
        }
        return false;
    }

    private static void install(Path temp, Path target) throws IOException {
        // Temporary files are created private (0600); a cached data file is ordinary readable data.
        if (Files.getFileStore(temp).supportsFileAttributeView(PosixFileAttributeView.class)) {
            Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rw-r--r--"));
        }
        try {
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("the file system of " + target.getParent()
                    + " cannot rename atomically, so a verified install is impossible there; choose another directory", e);
        }
    }

    /**
     * Hex SHA-256 of a file's bytes.
     *
     * @param file the file
     * @return the digest, lower-case
     * @throws IOException when the file cannot be read
     */
    public static String sha256(Path file) throws IOException {
        return digest(file, "SHA-256");
    }

    /**
     * Hex digest of a file's bytes; {@code algorithm} is one every JDK provides (SHA-256, MD5).
     *
     * @param file the file
     * @param algorithm the digest's name
     * @return the digest, lower-case
     * @throws IOException when the file cannot be read
     */
    public static String digest(Path file, String algorithm) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance(algorithm);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK provides " + algorithm, e);
        }
        byte[] buf = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(file)) {
            for (int r; (r = in.read(buf)) > 0; ) {
                md.update(buf, 0, r);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }
}
