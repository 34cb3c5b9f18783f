package dev.stride.cli;

import javax.imageio.ImageIO;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Turns a PNG or JPEG of any size into the grey pixel bytes a model trained on MNIST expects:
 * the image is fitted into a 20x20 box keeping its aspect ratio and centred on a 28x28 canvas, as
 * MNIST digits are, and inverted when it is dark-on-light (MNIST digits are light on dark).
 */
final class ImageInput {
    private ImageInput() {
    }

    static byte[] mnistPixels(Path file, int size) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException(file + ": no such image file");
        }
        BufferedImage src = ImageIO.read(file.toFile());
        if (src == null) {
            throw new IOException(file + ": not an image this Java can read (use PNG or JPEG)");
        }
        int box = Math.round(size * 20f / 28f);
        double scale = (double) box / Math.max(src.getWidth(), src.getHeight());
        int w = Math.max(1, (int) Math.round(src.getWidth() * scale));
        int h = Math.max(1, (int) Math.round(src.getHeight() * scale));

        BufferedImage grey = new BufferedImage(size, size, BufferedImage.TYPE_BYTE_GRAY);
        Graphics2D g = grey.createGraphics();
        try {
            boolean darkOnLight = meanLuminance(src) > 127;
            g.setColor(darkOnLight ? java.awt.Color.WHITE : java.awt.Color.BLACK);
            g.fillRect(0, 0, size, size);
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BICUBIC);
            g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
            g.drawImage(src, (size - w) / 2, (size - h) / 2, w, h, null);
            byte[] out = new byte[size * size];
            for (int y = 0; y < size; y++) {
                for (int x = 0; x < size; x++) {
                    int v = grey.getRaster().getSample(x, y, 0);
                    out[y * size + x] = (byte) (darkOnLight ? 255 - v : v);
                }
            }
            return out;
        } finally {
            g.dispose();
        }
    }

    private static double meanLuminance(BufferedImage img) {
        double sum = 0;
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                int rgb = img.getRGB(x, y);
                sum += 0.299 * ((rgb >> 16) & 0xff) + 0.587 * ((rgb >> 8) & 0xff) + 0.114 * (rgb & 0xff);
            }
        }
        return sum / ((double) img.getWidth() * img.getHeight());
    }
}
