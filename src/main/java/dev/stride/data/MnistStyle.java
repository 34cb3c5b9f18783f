package dev.stride.data;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;

/**
 * Turns a picture of any size into the grey pixels a model trained on MNIST expects, prepared the
 * way MNIST's digits were: light ink on black (a dark-on-light image is inverted), the ink's
 * bounding box scaled to fit 20x20 (of 28x28) with its aspect ratio kept, and centred on the canvas.
 */
public final class MnistStyle {
    /** A pixel counts as ink above this grey level (of 255) when the bounding box is found. */
    private static final int INK = 40;

    private MnistStyle() {
    }

    /**
     * Pixel values 0..255, row-major, {@code size} x {@code size}.
     *
     * @param src the picture
     * @param size the side of the output
     * @return {@code size * size} values
     */
    public static int[] pixels(BufferedImage src, int size) {
        if (size < 1) {
            throw new IllegalArgumentException("an MNIST-style canvas needs a size of at least 1, got " + size);
        }
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
