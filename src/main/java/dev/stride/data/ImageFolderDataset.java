package dev.stride.data;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Image files decoded when asked for ({@link ImageDecoder}), each resized to one height x width and
 * converted to grey or RGB, with the labels of the folders they lie in (see {@link ImageFolder}).
 */
public final class ImageFolderDataset implements ImageDataset {
    private final List<Path> files;   // (count)
    private final int[] labels;       // (count)
    private final List<String> classNames;
    private final int channels;
    private final int height;
    private final int width;

    /**
     * A data set of image files, each with its class.
     *
     * @param files the image files
     * @param labels one class per file
     * @param classNames one name per class
     * @param channels 1 (grey) or 3 (RGB)
     * @param height rows every image is resized to
     * @param width columns every image is resized to
     * @throws IllegalArgumentException when the lists do not agree or a label is out of range
     */
    public ImageFolderDataset(List<Path> files, int[] labels, List<String> classNames, int channels, int height, int width) {
        if (files.isEmpty() || files.size() != labels.length) {
            throw new IllegalArgumentException(files.size() + " files and " + labels.length + " labels; need one label per file, at least one");
        }
        if (channels != 1 && channels != 3 || height < 1 || width < 1) {
            throw new IllegalArgumentException("image folders decode to 1 or 3 channels of a positive size, got "
                    + channels + "x" + height + "x" + width);
        }
        for (int label : labels) {
            if (label < 0 || label >= classNames.size()) {
                throw new IllegalArgumentException("label " + label + " outside the " + classNames.size() + " classes");
            }
        }
        this.files = List.copyOf(files);
        this.labels = labels.clone();
        this.classNames = List.copyOf(classNames);
        this.channels = channels;
        this.height = height;
        this.width = width;
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
        return classNames.size();
    }

    @Override
    public int label(int i) {
        return labels[i];
    }

    @Override
    public List<String> classNames() {
        return classNames;
    }

    /**
     * The file of image {@code i}.
     *
     * @param i the image
     * @return its path
     */
    public Path file(int i) {
        return files.get(i);
    }

    @Override
    public void read(int i, byte[] dst) throws IOException {
        U8Image img = ImageDecoder.load(files.get(i), channels, height, width);
        System.arraycopy(img.pixels(), 0, dst, 0, img.pixels().length);
    }

    @Override
    public boolean inMemory() {
        return false;
    }

    @Override
    public String describe(int i) {
        return files.get(i).toString();
    }
}
