package dev.stride.data;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * A directory on this machine holding the files, plain or gzip-compressed ({@code name} or
 * {@code name.gz}): a folder the user points at, or a distribution's package such as Debian's
 * {@code dataset-fashion-mnist}. The cache verifies the uncompressed bytes, so a package that
 * recompressed the files (other .gz hashes, same content) is as good as the original.
 */
public final class LocalFileSource implements FileSource {
    private final Path dir;

    /**
     * A source reading from {@code dir}.
     *
     * @param dir the folder holding the files or their .gz
     */
    public LocalFileSource(Path dir) {
        this.dir = dir;
    }

    @Override
    public String describe() {
        return dir.toString();
    }

    @Override
    public void fetch(ExpectedFile file, OutputStream destination) throws IOException {
        Path plain = dir.resolve(file.name());
        Path gz = dir.resolve(file.name() + ".gz");
        if (Files.isRegularFile(plain)) {
            try (InputStream in = Files.newInputStream(plain)) {
                in.transferTo(destination);
            }
        } else if (Files.isRegularFile(gz)) {
            try (InputStream in = new GZIPInputStream(Files.newInputStream(gz), 1 << 16)) {
                in.transferTo(destination);
            }
        } else {
            throw new NoSuchFileException(plain.toString(), null, "neither it nor " + gz.getFileName() + " is there");
        }
    }
}
