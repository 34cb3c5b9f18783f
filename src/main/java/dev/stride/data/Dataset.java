package dev.stride.data;

import dev.stride.tensor.Shape;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * A labelled image data set held in memory: {@code count} images of {@code channels x height x
 * width} unsigned 8-bit pixels (NCHW order) and one class label per image.
 *
 * <p>Pixels stay bytes (MNIST's training set is 47 MB as bytes, four times that as floats); the
 * {@link DataLoader} turns them into normalised floats batch by batch. The arrays are owned by the
 * data set and never changed after construction.
 */
public final class Dataset implements ImageDataset {
    private final byte[] pixels; // (count, channels, height, width)
    private final int[] labels;  // (count)
    private final int channels;
    private final int height;
    private final int width;
    private final int classes;
    private final List<String> classNames; // (classes) or empty

    /**
     * A data set without class names.
     *
     * @param pixels (count, channels, height, width) unsigned bytes, taken over without a copy
     * @param labels (count) class indices in {@code [0, classes)}, taken over without a copy
     * @param channels channels per image
     * @param height rows per image
     * @param width columns per image
     * @param classes the number of classes
     */
    public Dataset(byte[] pixels, int[] labels, int channels, int height, int width, int classes) {
        this(pixels, labels, channels, height, width, classes, List.of());
    }

    /**
     * As above, with one name per class (or none).
     *
     * @param pixels (count, channels, height, width) unsigned bytes, taken over without a copy
     * @param labels (count) class indices in {@code [0, classes)}, taken over without a copy
     * @param channels channels per image
     * @param height rows per image
     * @param width columns per image
     * @param classes the number of classes
     * @param classNames one name per class, or empty
     * @throws IllegalArgumentException when the sizes do not agree or a label is out of range
     */
    public Dataset(byte[] pixels, int[] labels, int channels, int height, int width, int classes, List<String> classNames) {
        if (!classNames.isEmpty() && classNames.size() != classes) {
            throw new IllegalArgumentException(classNames.size() + " class names for " + classes + " classes");
        }
        if (channels < 1 || height < 1 || width < 1 || classes < 1) {
            throw new IllegalArgumentException("a data set needs positive channels, height, width and classes, got "
                    + channels + "x" + height + "x" + width + " with " + classes + " classes");
        }
        if (labels.length == 0 || (long) labels.length * channels * height * width != pixels.length) {
            throw new IllegalArgumentException(pixels.length + " pixel bytes do not hold " + labels.length + " images of "
                    + channels + "x" + height + "x" + width + " (one per label)");
        }
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= classes) {
                throw new IllegalArgumentException("label " + i + " is " + labels[i] + ", outside 0.." + (classes - 1));
            }
        }
        this.pixels = pixels;
        this.labels = labels;
        this.channels = channels;
        this.height = height;
        this.width = width;
        this.classes = classes;
        this.classNames = List.copyOf(classNames);
    }

    /**
     * The same images and labels under these class names.
     *
     * @param names one name per class, or empty
     * @return a data set sharing this one's arrays
     */
    public Dataset withClassNames(List<String> names) {
        return new Dataset(pixels, labels, channels, height, width, classes, names);
    }

    /**
     * A single-channel data set from an IDX image file and its IDX label file (raw or gzip).
     *
     * @throws IdxFormatException if either file is malformed or their counts differ
     * @param images the IDX image file
     * @param labels the IDX label file
     * @param classes the number of classes
     * @return the data set
     */
    public static Dataset fromIdx(Path images, Path labels, int classes) throws IOException {
        IdxImages img = IdxReader.readImages(images);
        int[] lab = IdxReader.readLabels(labels, classes);
        if (img.count() != lab.length) {
            throw new IdxFormatException(images, "image/label count mismatch: " + images + " holds " + img.count()
                    + " images but " + labels + " holds " + lab.length + " labels (count field at byte offset 4 of each);"
                    + " check that the two files belong to the same split");
        }
        return new Dataset(img.pixels(), lab, 1, img.rows(), img.cols(), classes);
    }

    /**
     * MNIST's 60000 training images from a directory holding the uncompressed files (see {@link
     * MnistDownloader}).
     *
     * @param dir the folder with the four files
     * @return the data set
     * @throws IOException when a file cannot be read or is malformed
     */
    public static Dataset mnistTrain(Path dir) throws IOException {
        return fromIdx(dir.resolve(MnistFile.TRAIN_IMAGES.fileName()), dir.resolve(MnistFile.TRAIN_LABELS.fileName()), 10);
    }

    /**
     * MNIST's 10000 test images from a directory holding the uncompressed files.
     *
     * @param dir the folder with the four files
     * @return the data set
     * @throws IOException when a file cannot be read or is malformed
     */
    public static Dataset mnistTest(Path dir) throws IOException {
        return fromIdx(dir.resolve(MnistFile.TEST_IMAGES.fileName()), dir.resolve(MnistFile.TEST_LABELS.fileName()), 10);
    }

    /**
     * Images {@code from} (inclusive) to {@code to} (exclusive) as a new data set, e.g. to hold out a
     * validation split.
     *
     * @param from the first image
     * @param to one past the last image
     * @return a data set with copies of those images and labels
     */
    public Dataset slice(int from, int to) {
        if (from < 0 || to > count() || from >= to) {
            throw new IndexOutOfBoundsException("slice [" + from + ", " + to + ") of a data set of " + count() + " images");
        }
        int sample = sampleSize();
        return new Dataset(Arrays.copyOfRange(pixels, from * sample, to * sample), Arrays.copyOfRange(labels, from, to),
                channels, height, width, classes, classNames);
    }

    @Override
    public int count() {
        return labels.length;
    }

    @Override
    public int channels() {
        return channels;
    }

    @Override
    public int height() {
        return height;
    }

    @Override
    public int width() {
        return width;
    }

    @Override
    public int classes() {
        return classes;
    }

    @Override
    public List<String> classNames() {
        return classNames;
    }

    @Override
    public void read(int i, byte[] dst) {
        System.arraycopy(pixels, i * sampleSize(), dst, 0, sampleSize());
    }

    @Override
    public boolean inMemory() {
        return true;
    }

    @Override
    public String describe(int i) {
        return "image " + i + " of " + count();
    }

    /** Pixels in one image: channels * height * width. */
    @Override
    public int sampleSize() {
        return channels * height * width;
    }

    /** Shape of a batch of {@code n} images: (n, channels, height, width). */
    @Override
    public Shape batchShape(int n) {
        return Shape.of(n, channels, height, width);
    }

    @Override
    public int label(int i) {
        return labels[i];
    }

    /**
     * Pixel value 0..255 of image {@code i} at (c, y, x).
     *
     * @param i the image
     * @param c the channel
     * @param y the row
     * @param x the column
     * @return the pixel value
     */
    public int pixel(int i, int c, int y, int x) {
        return Byte.toUnsignedInt(pixels[((i * channels + c) * height + y) * width + x]);
    }

    /** Raw pixel byte at a flat NCHW index; for loops that walk whole images. */
    int pixelAt(long flat) {
        return Byte.toUnsignedInt(pixels[(int) flat]);
    }
}
