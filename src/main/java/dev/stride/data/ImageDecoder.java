package dev.stride.data;

import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;

/**
 * Decodes an image file through javax.imageio (JPEG, PNG, BMP, GIF; grey, RGB, RGBA, 16-bit where
 * ImageIO reads it) into grey or RGB bytes. Alpha is dropped, as PIL's convert("RGB") drops it; a
 * 16-bit image is reduced to 8 bits by ImageIO's colour conversion.
 */
public final class ImageDecoder {
    /** The most pixels decoded: a small PNG can declare 100,000 x 100,000 pixels. */
    public static final long MAX_PIXELS = 64L << 20;
    private static final int HEADER = 38; // a BMP's file header and its info header up to biSizeImage

    private ImageDecoder() {
    }

    /**
     * Refuses a file whose header declares more data than the file holds where ImageIO would
     * allocate the declared amount before reading: a BMP that embeds a JPEG or PNG (compression 4
     * or 5) and gives its size in biSizeImage, which the JDK's reader allocates as it stands (203
     * bytes declaring 16 MB were found by ImageInputFuzzTest; 4 GB would end in OutOfMemoryError).
     *
     * @param file the image file
     * @throws IOException when the header declares more data than the file holds
     */
    public static void checkDeclaredData(Path file) throws IOException {
        byte[] head = new byte[HEADER];
        int read;
        try (var in = Files.newInputStream(file)) {
            read = in.readNBytes(head, 0, head.length);
        }
        checkDeclaredData(head, read, Files.size(file), file.toString());
    }

    /** As {@link #checkDeclaredData(Path)} for the first {@code read} bytes of a file of {@code length}. */
    private static void checkDeclaredData(byte[] head, int read, long length, String name) throws IOException {
        if (read < HEADER || head[0] != 'B' || head[1] != 'M') {
            return;
        }
        var le = java.nio.ByteBuffer.wrap(head, 0, HEADER).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        int compression = le.getInt(30);
        long declared = Integer.toUnsignedLong(le.getInt(34));
        long offset = Integer.toUnsignedLong(le.getInt(10));
        if ((compression == 4 || compression == 5) && declared > length - Math.min(offset, length)) {
            throw new IOException(name + ": a BMP whose embedded " + (compression == 4 ? "JPEG" : "PNG") + " claims " + declared
                    + " bytes but the file holds " + length + "; the file is corrupt");
        }
    }

    /**
     * The file as {@code channels} (1: luminance, 3: RGB) x its height x its width.
     *
     * @throws IOException whose message starts with the file's path
     * @param file the image file
     * @param channels 1 or 3
     * @return the pixels
     */
    public static U8Image decode(Path file, int channels) throws IOException {
        checkChannels(channels);
        return of(read(file), channels);
    }

    /**
     * The file's image as ImageIO decodes it, after the checks that keep a hostile header from
     * allocating: at most {@link #MAX_PIXELS} declared pixels, and {@link #checkDeclaredData}.
     *
     * @throws IOException whose message starts with the file's path
     * @param file the image file
     * @return the decoded image
     */
    public static BufferedImage read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException(file + ": " + (Files.isDirectory(file) ? "is a directory, not an image" : "no such image file"));
        }
        return read(() -> ImageIO.createImageInputStream(file.toFile()), file.toString(), () -> checkDeclaredData(file));
    }

    /**
     * An encoded image held in memory (a file's bytes, say a Spark {@code binaryFile} row's
     * content) as ImageIO decodes it, after the same checks as {@link #read(Path)}; nothing is
     * written to disk.
     *
     * @param name what messages call the image (its path, say)
     * @throws IOException whose message starts with {@code name}
     * @param encoded the file's bytes
     * @return the decoded image
     */
    public static BufferedImage read(byte[] encoded, String name) throws IOException {
        // MemoryCacheImageInputStream, not ImageIO.createImageInputStream, which may cache a stream in a temporary file.
        return read(() -> new MemoryCacheImageInputStream(new ByteArrayInputStream(encoded)), name,
                () -> checkDeclaredData(encoded, encoded.length, encoded.length, name));
    }

    /** Opens the stream to decode; null when there is none. */
    @FunctionalInterface
    private interface Source {
        ImageInputStream open() throws IOException;
    }

    /** A check run once the declared size has passed and before the pixels are decoded. */
    @FunctionalInterface
    private interface HeaderCheck {
        void run() throws IOException;
    }

    private static BufferedImage read(Source source, String name, HeaderCheck declaredData) throws IOException {
        try (ImageInputStream in = source.open()) {
            Iterator<ImageReader> readers = in == null ? null : ImageIO.getImageReaders(in);
            if (readers == null || !readers.hasNext()) {
                throw new IOException(name + ": not an image this Java can read (use JPEG, PNG, BMP or GIF)");
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                long pixels = (long) reader.getWidth(0) * reader.getHeight(0);
                if (pixels > MAX_PIXELS) {
                    throw new IOException(name + ": " + reader.getWidth(0) + "x" + reader.getHeight(0)
                            + " pixels is more than the " + MAX_PIXELS + " decoded; shrink it first");
                }
                declaredData.run();
                return reader.read(0);
            } finally {
                reader.dispose();
            }
        } catch (IOException e) {
            throw e.getMessage() != null && e.getMessage().startsWith(name) ? e : unreadable(name, e);
        } catch (RuntimeException e) {
            // ImageIO's decoders throw unchecked exceptions on some malformed files.
            throw unreadable(name, e);
        }
    }

    /**
     * A decoded image as {@code channels} (1: luminance, 3: RGB) x its height x its width bytes.
     *
     * @param img the decoded image
     * @param channels 1 or 3
     * @return the pixels
     */
    public static U8Image of(BufferedImage img, int channels) {
        checkChannels(channels);
        int w = img.getWidth();
        int h = img.getHeight();
        byte[] out = new byte[channels * h * w];
        int[] row = new int[w];
        for (int y = 0; y < h; y++) {
            img.getRGB(0, y, w, 1, row, 0, w);
            for (int x = 0; x < w; x++) {
                int rgb = row[x];
                int r = (rgb >> 16) & 0xff;
                int g = (rgb >> 8) & 0xff;
                int b = rgb & 0xff;
                if (channels == 1) {
                    // ITU-R 601 luma, as PIL's convert("L")
                    out[y * w + x] = (byte) ((r * 299 + g * 587 + b * 114 + 500) / 1000);
                } else {
                    out[y * w + x] = (byte) r;
                    out[(h + y) * w + x] = (byte) g;
                    out[(2 * h + y) * w + x] = (byte) b;
                }
            }
        }
        return new U8Image(out, channels, h, w);
    }

    private static void checkChannels(int channels) {
        if (channels != 1 && channels != 3) {
            throw new IllegalArgumentException("images decode to 1 (grey) or 3 (RGB) channels, not " + channels);
        }
    }

    /**
     * {@link #decode} then a bilinear resize to height x width.
     *
     * @param file the image file
     * @param channels 1 or 3
     * @param height the rows wanted
     * @param width the columns wanted
     * @return the resized pixels
     * @throws IOException whose message starts with the file's path
     */
    public static U8Image load(Path file, int channels, int height, int width) throws IOException {
        return resized(decode(file, channels), height, width);
    }

    /**
     * The whole image, bilinearly resized to height x width.
     *
     * @param img the image
     * @param height the rows wanted
     * @param width the columns wanted
     * @return the resized image
     */
    public static U8Image resized(U8Image img, int height, int width) {
        return Transforms.resized(img, 0, 0, img.height(), img.width(), height, width);
    }

    private static IOException unreadable(String name, Exception e) {
        return new IOException(name + ": cannot decode it (" + e.getMessage() + "); is it a complete image file?", e);
    }
}
