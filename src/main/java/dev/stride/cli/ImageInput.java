package dev.stride.cli;

import dev.stride.data.ImageDecoder;
import dev.stride.data.MnistStyle;

import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Locale;

/**
 * Reads an image file for {@code stride predict}'s MNIST-style models ({@link MnistStyle}), with
 * messages that name the file and say what to do.
 */
final class ImageInput {
    /**
     * The most pixels decoded. A PNG of a few kilobytes can declare 100,000 x 100,000 pixels; decoding
     * takes about 10 bytes a pixel here (the decoded image, its grey copy, the ink image), so 64
     * megapixels need under 1 GB, and photos from most cameras fit.
     */
    static final long MAX_PIXELS = 64L << 20;

    private ImageInput() {
    }

    /**
     * Pixel values 0..255, row-major, {@code size} x {@code size}.
     *
     * @throws IOException whose message starts with the file's path and says what to do
     */
    static int[] mnistPixels(Path file, int size) throws IOException {
        return MnistStyle.pixels(read(file), size);
    }

    /**
     * The file's image, decoded.
     *
     * @throws IOException whose message starts with the file's path and says what to do
     */
    static BufferedImage read(Path file) throws IOException {
        if (Files.isDirectory(file)) {
            throw new IOException(file + ": is a directory, not an image");
        }
        if (!Files.isRegularFile(file)) {
            throw new IOException(file + ": no such image file");
        }
        if (!Files.isReadable(file)) {
            throw new IOException(file + ": permission denied");
        }
        return decode(file);
    }

    /** Reads the declared size from the header first, and decodes only an image of at most {@link #MAX_PIXELS}. */
    private static BufferedImage decode(Path file) throws IOException {
        try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
            Iterator<ImageReader> readers = in == null ? null : ImageIO.getImageReaders(in);
            if (readers == null || !readers.hasNext()) {
                throw new IOException(file + ": not an image this Java can read (use PNG or JPEG)");
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                long width;
                long height;
                try {
                    width = reader.getWidth(0);
                    height = reader.getHeight(0);
                } catch (IOException | RuntimeException e) {
                    throw unreadable(file, e);
                }
                if (width * height > MAX_PIXELS) {
                    throw new IOException(String.format(Locale.ROOT,
                            "%s: %d x %d pixels (%.0f megapixels), more than the %d megapixels predict decodes; scale it down first",
                            file, width, height, width * height / (double) (1 << 20), MAX_PIXELS >> 20));
                }
                ImageDecoder.checkDeclaredData(file);
                try {
                    return reader.read(0);
                } catch (OutOfMemoryError e) {
                    throw new IOException(file + ": not enough memory to decode it; scale it down first", e);
                } catch (IOException | RuntimeException e) {
                    throw unreadable(file, e);
                }
            } finally {
                reader.dispose();
            }
        }
    }

    // ImageIO's own messages ("Error reading PNG metadata") do not say which file.
    private static IOException unreadable(Path file, Exception e) {
        return new IOException(file + ": cannot decode it (" + e.getMessage() + "); is it a complete PNG or JPEG?", e);
    }
}
