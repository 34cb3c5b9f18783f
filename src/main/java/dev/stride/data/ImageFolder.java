package dev.stride.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/**
 * A data set laid out as torchvision's ImageFolder expects: {@code root/<class>/<image>}, classes
 * numbered in the order of their folder names sorted by code point (Python's sorted()), images found
 * at any depth below their class folder and taken in sorted order. Files whose names do not end in
 * .jpg, .jpeg, .png, .bmp or .gif (any case) are ignored, as torchvision ignores them.
 *
 * <p>A root with {@code train/} and {@code test/} (or {@code val/}) folders gives those two splits,
 * which must name the same classes; any other root is split at random, seeded, into training and
 * test images.
 */
public final class ImageFolder {
    private static final List<String> EXTENSIONS = List.of(".jpg", ".jpeg", ".png", ".bmp", ".gif");
    /** Python's sorted() on str: by code point, which String.compareTo (UTF-16 units) is not beyond the BMP. */
    static final Comparator<String> CODE_POINT_ORDER = (a, b) -> {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            int ca = a.codePointAt(i);
            int cb = b.codePointAt(j);
            if (ca != cb) {
                return Integer.compare(ca, cb);
            }
            i += Character.charCount(ca);
            j += Character.charCount(cb);
        }
        return Integer.compare(a.length() - i, b.length() - j);
    };

    /**
     * The two splits.
     *
     * @param train the training images
     * @param test the held-out images
     */
    public record Split(ImageFolderDataset train, ImageFolderDataset test) {
    }

    private ImageFolder() {
    }

    /**
     * Opens a folder of images sorted into one folder per class, split into training and test images: by its
     * {@code train} and {@code test} (or {@code val}) folders when it has them, else at random.
     *
     * @param channels     1 (grey) or 3 (RGB)
     * @param size         height and width every image is resized to
     * @param testFraction share of the images held out for testing when the root has no split folders
     * @param seed         seeds that split
     * @throws IOException naming the folder when it, or a class folder, holds no images
     * @param root the folder
     * @return the two splits
     */
    public static Split open(Path root, int channels, int size, double testFraction, long seed) throws IOException {
        if (!Files.isDirectory(root)) {
            throw new IOException(root + ": " + (Files.exists(root) ? "is a file, not a folder of class folders" : "no such folder"));
        }
        Path train = root.resolve("train");
        Path test = Files.isDirectory(root.resolve("test")) ? root.resolve("test") : root.resolve("val");
        if (Files.isDirectory(train) && Files.isDirectory(test)) {
            ImageFolderDataset a = scan(train, channels, size);
            ImageFolderDataset b = scan(test, channels, size);
            if (!a.classNames().equals(b.classNames())) {
                throw new IOException(test + ": its class folders " + b.classNames() + " differ from those of " + train + " "
                        + a.classNames() + "; give both splits the same class folders");
            }
            return new Split(a, b);
        }
        if (!(testFraction > 0 && testFraction < 1)) {
            throw new IllegalArgumentException("the test fraction must lie between 0 and 1, got " + testFraction);
        }
        ImageFolderDataset all = scan(root, channels, size);
        int n = all.count();
        int nTest = (int) Math.round(n * testFraction);
        if (nTest < 1 || nTest >= n) {
            throw new IOException(root + ": " + n + " images are too few to hold out " + testFraction + " of them for testing;"
                    + " add images or make train/ and test/ folders");
        }
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return new Split(subset(all, order, nTest, n), subset(all, order, 0, nTest));
    }

    /**
     * One folder of class folders.
     *
     * @param root a folder holding one folder of images per class
     * @param channels 1 (grey) or 3 (RGB)
     * @param size height and width every image is resized to
     * @return the images, decoded when read
     * @throws IOException naming the folder when it, or a class folder, holds no images
     */
    public static ImageFolderDataset scan(Path root, int channels, int size) throws IOException {
        List<Path> classDirs;
        try (Stream<Path> s = Files.list(root)) {
            classDirs = s.filter(Files::isDirectory)
                    .sorted(Comparator.comparing(p -> p.getFileName().toString(), CODE_POINT_ORDER)).toList();
        }
        if (classDirs.isEmpty()) {
            throw new IOException(root + ": holds no class folders; lay the images out as " + root + "/<class>/<image>");
        }
        List<String> names = new ArrayList<>();
        List<Path> files = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        for (Path dir : classDirs) {
            List<Path> images;
            try (Stream<Path> s = Files.walk(dir)) {
                images = s.filter(p -> Files.isRegularFile(p) && isImageName(p))
                        .sorted(Comparator.comparing(p -> dir.relativize(p).toString(), CODE_POINT_ORDER)).toList();
            }
            if (images.isEmpty()) {
                throw new IOException(dir + ": class folder with no images (.jpg, .jpeg, .png, .bmp, .gif); add some or remove it");
            }
            for (Path p : images) {
                files.add(p);
                labels.add(names.size());
            }
            names.add(dir.getFileName().toString());
        }
        return new ImageFolderDataset(files, labels.stream().mapToInt(Integer::intValue).toArray(), names, channels, size, size);
    }

    private static boolean isImageName(Path p) {
        String name = p.getFileName().toString().toLowerCase(Locale.ROOT);
        return EXTENSIONS.stream().anyMatch(name::endsWith);
    }

    private static ImageFolderDataset subset(ImageFolderDataset all, int[] order, int from, int to) {
        int[] picked = java.util.Arrays.copyOfRange(order, from, to);
        java.util.Arrays.sort(picked); // keep the folder order within a split
        List<Path> files = new ArrayList<>();
        int[] labels = new int[picked.length];
        for (int i = 0; i < picked.length; i++) {
            files.add(all.file(picked[i]));
            labels[i] = all.label(picked[i]);
        }
        return new ImageFolderDataset(files, labels, all.classNames(), all.channels(), all.height(), all.width());
    }
}
