package dev.stride.data;

import dev.stride.tensor.Shape;

import java.io.IOException;
import java.util.List;

/**
 * A labelled image data set: {@code count()} images of {@code channels x height x width} unsigned
 * 8-bit pixels (CHW order), each with a class label in {@code [0, classes)}.
 *
 * <p>Two kinds: {@link Dataset} holds every pixel in memory (MNIST, Fashion-MNIST, CIFAR), and
 * {@link ImageFolderDataset} decodes image files when an image is asked for. The {@link DataLoader}
 * reads either through {@link #read}, on background threads for the kind that decodes.
 */
public interface ImageDataset {
    /**
     * The number of images.
     *
     * @return at least 1
     */
    int count();

    /**
     * Channels per image.
     *
     * @return 1 (grey) or 3 (RGB) for images
     */
    int channels();

    /**
     * Rows per image.
     *
     * @return the height
     */
    int height();

    /**
     * Columns per image.
     *
     * @return the width
     */
    int width();

    /**
     * The number of classes.
     *
     * @return the labels' upper bound
     */
    int classes();

    /**
     * The label of image {@code i}, in {@code [0, classes)}.
     *
     * @param i the image
     * @return its label
     */
    int label(int i);

    /**
     * One name per class, in label order; empty when the data names none.
     *
     * @return the names
     */
    List<String> classNames();

    /**
     * Writes image {@code i} as (channels, height, width) unsigned bytes into {@code dst}.
     *
     * @throws IOException naming the file and what is wrong when the image cannot be decoded
     * @param i the image; a loader calls this from several threads at once, for different images
     * @param dst at least {@link #sampleSize()} bytes
     */
    void read(int i, byte[] dst) throws IOException;

    /**
     * True when {@link #read} only copies memory, so decoding ahead on other threads gains nothing.
     *
     * @return whether the pixels are in memory
     */
    boolean inMemory();

    /**
     * Where image {@code i} comes from, for messages: a file's path, or "image 17 of ...".
     *
     * @param i the image
     * @return the description
     */
    String describe(int i);

    /**
     * Pixels in one image: channels * height * width.
     *
     * @return the pixel count
     */
    default int sampleSize() {
        return channels() * height() * width();
    }

    /**
     * Shape of a batch of {@code n} images: (n, channels, height, width).
     *
     * @param n the batch size
     * @return the shape
     */
    default Shape batchShape(int n) {
        return Shape.of(n, channels(), height(), width());
    }
}
