package dev.stride.cli;

import dev.stride.tensor.Tensor;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Draws convolution filters (K, C, FH, FW) as a grid of grey tiles, one per (filter, channel),
 * each scaled up so a 5x5 kernel is visible, mid-grey at 0, white for the largest positive weight
 * and black for the most negative one of the whole layer (one scale, so filters can be compared).
 */
final class FilterGrid {
    private static final int SCALE = 16;
    private static final int GAP = 4;

    private FilterGrid() {
    }

    static void write(Tensor weights, Path file) throws IOException {
        if (weights.rank() != 4) {
            throw new IllegalArgumentException("filters must be (K, C, FH, FW), got " + weights.shape());
        }
        int k = weights.dim(0);
        int c = weights.dim(1);
        int fh = weights.dim(2);
        int fw = weights.dim(3);
        float max = 1e-12f;
        for (long i = 0; i < weights.size(); i++) {
            max = Math.max(max, Math.abs(weights.getFlat(i)));
        }
        int tileW = fw * SCALE;
        int tileH = fh * SCALE;
        BufferedImage img = new BufferedImage(GAP + c * (tileW + GAP), GAP + k * (tileH + GAP), BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                img.setRGB(x, y, 0x202020);
            }
        }
        for (int f = 0; f < k; f++) {
            for (int ch = 0; ch < c; ch++) {
                for (int i = 0; i < fh; i++) {
                    for (int j = 0; j < fw; j++) {
                        float w = weights.get(f, ch, i, j);
                        int grey = Math.round(127.5f + 127.5f * w / max);
                        int rgb = (grey << 16) | (grey << 8) | grey;
                        int x0 = GAP + ch * (tileW + GAP) + j * SCALE;
                        int y0 = GAP + f * (tileH + GAP) + i * SCALE;
                        for (int dy = 0; dy < SCALE; dy++) {
                            for (int dx = 0; dx < SCALE; dx++) {
                                img.setRGB(x0 + dx, y0 + dy, rgb);
                            }
                        }
                    }
                }
            }
        }
        if (!ImageIO.write(img, "png", file.toFile())) {
            throw new IOException("no PNG writer available to write " + file);
        }
    }
}
