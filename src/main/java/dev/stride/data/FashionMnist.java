package dev.stride.data;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Zalando's Fashion-MNIST: 70,000 grey 28x28 images of clothes in ten classes, in MNIST's IDX
 * format and file names.
 *
 * <p>The four uncompressed files come, first source that has them: a directory the user names;
 * Debian's package {@code dataset-fashion-mnist} ({@value #DEBIAN_DIR}, gzip files); the mirror
 * torchvision uses. Each is verified by the SHA-256 of its uncompressed bytes: Debian recompressed
 * the .gz files, so only the content's hash is the same everywhere (docs/datasets.md lists the
 * hashes and where they come from).
 */
public final class FashionMnist {
    /** Where Debian's package {@code dataset-fashion-mnist} puts the gzip files. */
    public static final String DEBIAN_DIR = "/usr/share/datasets/fashion-mnist";
    static final URI MIRROR = URI.create("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/");
    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    /** The class names in label order, as the data set's authors give them. */
    public static final List<String> CLASSES = List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
            "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");

    // Sizes as MNIST's; SHA-256 of the uncompressed files, computed from Debian's package.
    static final ExpectedFile TRAIN_IMAGES = new ExpectedFile("train-images-idx3-ubyte", 47_040_016,
            "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888");
    static final ExpectedFile TRAIN_LABELS = new ExpectedFile("train-labels-idx1-ubyte", 60_008,
            "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9");
    static final ExpectedFile TEST_IMAGES = new ExpectedFile("t10k-images-idx3-ubyte", 7_840_016,
            "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b");
    static final ExpectedFile TEST_LABELS = new ExpectedFile("t10k-labels-idx1-ubyte", 10_008,
            "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34");

    private FashionMnist() {
    }

    /**
     * The cache folder used when none is given: {@code fashion-mnist} under the data root (see {@link
     * DataDirectory}).
     *
     * @return the folder
     */
    public static Path defaultDirectory() {
        return DataDirectory.of("fashion-mnist");
    }

    /**
     * The four files' expectations: training images and labels, test images and labels.
     *
     * @return the expectations
     */
    public static List<ExpectedFile> files() {
        return List.of(TRAIN_IMAGES, TRAIN_LABELS, TEST_IMAGES, TEST_LABELS);
    }

    /**
     * Makes {@code dir} hold the four verified uncompressed files, taking them from {@code dir}'s
     * own .gz files, Debian's package, or the mirror, and returns it.
     *
     * @param dir the cache folder
     * @param progress receives one line per step
     * @return {@code dir}
     * @throws IOException when some file could be obtained from no source; the message lists why
     */
    public static Path ensure(Path dir, Consumer<String> progress) throws IOException {
        return ensure(dir, Path.of(DEBIAN_DIR), List.of(MIRROR), progress);
    }

    /** As {@link #ensure(Path, Consumer)} with the package folder and the mirrors given (for tests). */
    static Path ensure(Path dir, Path packageDir, List<URI> mirrors, Consumer<String> progress) throws IOException {
        List<FileSource> sources = new ArrayList<>();
        sources.add(new LocalFileSource(dir));
        if (Files.isDirectory(packageDir)) {
            sources.add(new LocalFileSource(packageDir));
        }
        for (URI m : mirrors) {
            sources.add(new HttpGzipSource(m, TIMEOUT));
        }
        new VerifiedCache(dir, progress).ensure(files(), sources);
        return dir;
    }

    /**
     * The 60,000 training images, with the ten class names.
     *
     * @param dir a folder {@link #ensure} filled
     * @return the data set
     * @throws IOException when a file cannot be read or is malformed
     */
    public static Dataset train(Path dir) throws IOException {
        return Dataset.fromIdx(dir.resolve(TRAIN_IMAGES.name()), dir.resolve(TRAIN_LABELS.name()), 10).withClassNames(CLASSES);
    }

    /**
     * The 10,000 test images, with the ten class names.
     *
     * @param dir a folder {@link #ensure} filled
     * @return the data set
     * @throws IOException when a file cannot be read or is malformed
     */
    public static Dataset test(Path dir) throws IOException {
        return Dataset.fromIdx(dir.resolve(TEST_IMAGES.name()), dir.resolve(TEST_LABELS.name()), 10).withClassNames(CLASSES);
    }
}
