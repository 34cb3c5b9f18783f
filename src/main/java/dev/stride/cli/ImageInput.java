package dev.stride.cli;

import dev.stride.data.ImageDecoder;

import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Locale;

/**
 * Turns a PNG or JPEG of any size into the grey pixels a model trained on MNIST expects, prepared
 * the way MNIST's digits were: light ink on black (a dark-on-light image is inverted), the ink's
 * bounding box scaled to fit 20x20 with its aspect ratio kept, and centred on a 28x28 canvas.
 */
final class ImageInput {
    /** A pixel counts as ink above this grey level (of 255) when the bounding box is found. */
    private static final int INK = 40;
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
        if (Files.isDirectory(file)) {
            throw new IOException(file + ": is a directory, not an image");
        }
        if (!Files.isRegularFile(file)) {
            throw new IOException(file + ": no such image file");
        }
        if (!Files.isReadable(file)) {
            throw new IOException(file + ": permission denied");
        }
        BufferedImage src = decode(file);
        BufferedImage ink = inkImage(src);
        int[] box = inkBox(ink);
        BufferedImage cropped = ink.getSubimage(box[0], box[1], box[2] - box[0], box[3] - box[1]);

        int fit = Math.round(size * 20f / 28f);
        double scale = (double) fit / Math.max(cropped.getWidth(), cropped.getHeight());
        int w = Math.max(1, (int) Math.round(cropped.getWidth() * scale));
        int h = Math.max(1, (int) Math.round(cropped.getHeight() * scale));
        BufferedImage canvas = new BufferedImage(size, size, BufferedImage.TYPE_BYTE_GRAY);
        Graphics2D g = canvas.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BICUBIC);
            g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
            g.drawImage(cropped, (size - w) / 2, (size - h) / 2, w, h, null);
        } finally {
            g.dispose();
        }
        int[] out = new int[size * size];
        canvas.getRaster().getPixels(0, 0, size, size, out);
        return out;
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

    /** The image as grey ink on black: luminance, inverted when the picture is mostly light. */
    private static BufferedImage inkImage(BufferedImage src) {
        int width = src.getWidth();
        int height = src.getHeight();
        int[] grey = new int[width * height];
        long sum = 0;
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int rgb = src.getRGB(x, y);
                int v = (int) Math.round(0.299 * ((rgb >> 16) & 0xff) + 0.587 * ((rgb >> 8) & 0xff) + 0.114 * (rgb & 0xff));
                grey[y * width + x] = v;
                sum += v;
            }
        }
        boolean darkOnLight = sum > 127L * width * height;
        BufferedImage ink = new BufferedImage(width, height, BufferedImage.TYPE_BYTE_GRAY);
        for (int i = 0; i < grey.length; i++) {
            grey[i] = darkOnLight ? 255 - grey[i] : grey[i];
        }
        ink.getRaster().setPixels(0, 0, width, height, grey);
        return ink;
    }

    /** {x0, y0, x1, y1} (exclusive) around the ink; the whole image when there is none. */
    private static int[] inkBox(BufferedImage ink) {
        int x0 = ink.getWidth();
        int y0 = ink.getHeight();
        int x1 = 0;
        int y1 = 0;
        for (int y = 0; y < ink.getHeight(); y++) {
            for (int x = 0; x < ink.getWidth(); x++) {
                if (ink.getRaster().getSample(x, y, 0) > INK) {
                    x0 = Math.min(x0, x);
                    y0 = Math.min(y0, y);
                    x1 = Math.max(x1, x + 1);
                    y1 = Math.max(y1, y + 1);
                }
            }
        }
        return x1 > x0 ? new int[] {x0, y0, x1, y1} : new int[] {0, 0, ink.getWidth(), ink.getHeight()};
    }
}
