package dev.stride.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ImageInputTest {

    /** A tall bar drawn off-centre on a large canvas, ink and paper colours given. */
    private static Path bar(Path dir, String name, Color paper, Color ink) throws Exception {
        BufferedImage img = new BufferedImage(300, 200, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(paper);
        g.fillRect(0, 0, 300, 200);
        g.setColor(ink);
        g.fillRect(30, 20, 40, 160);
        g.dispose();
        Path file = dir.resolve(name);
        ImageIO.write(img, "png", file.toFile());
        return file;
    }

    @Test
    void inkIsLightOnDarkScaledTo20PixelsAndCentred(@TempDir Path dir) throws Exception {
        int[] light = ImageInput.mnistPixels(bar(dir, "light.png", Color.BLACK, Color.WHITE), 28);
        int[] dark = ImageInput.mnistPixels(bar(dir, "dark.png", Color.WHITE, Color.BLACK), 28);
        assertArrayEquals(light, dark, "dark-on-light must be inverted to MNIST's light-on-dark");
        assertEquals(28 * 28, light.length);
        int top = 28;
        int bottom = -1;
        int left = 28;
        int right = -1;
        int max = 0;
        for (int y = 0; y < 28; y++) {
            for (int x = 0; x < 28; x++) {
                int v = light[y * 28 + x];
                assertTrue(v >= 0 && v <= 255, "pixel out of range: " + v);
                max = Math.max(max, v);
                if (v > 128) {
                    top = Math.min(top, y);
                    bottom = Math.max(bottom, y);
                    left = Math.min(left, x);
                    right = Math.max(right, x);
                }
            }
        }
        assertTrue(max > 240, "the ink stays bright: " + max);
        assertEquals(20, bottom - top + 1, "the tall side fills the 20-pixel box");
        assertEquals(4, top);
        assertEquals(27 - bottom, top, "centred vertically");
        assertTrue(Math.abs(left - (27 - right)) <= 1, "centred horizontally: " + left + ".." + right);
    }

    @Test
    void fullInkBecomesTheTrainingScaleOfWhite(@TempDir Path dir) throws Exception {
        int[] pixels = ImageInput.mnistPixels(bar(dir, "bar.png", Color.WHITE, Color.BLACK), 28);
        int brightest = java.util.Arrays.stream(pixels).max().orElseThrow();
        dev.stride.data.Normalization norm = new dev.stride.data.Normalization(new float[] {0.1307f}, new float[] {0.3081f});
        float[] x = PredictCommand.normalise(pixels, norm);
        float max = Float.NEGATIVE_INFINITY;
        float min = Float.POSITIVE_INFINITY;
        for (float v : x) {
            max = Math.max(max, v);
            min = Math.min(min, v);
        }
        // Ink is the largest input and background the smallest, as in MNIST: a signed-byte mix-up flips them.
        assertEquals((brightest / 255f - 0.1307f) / 0.3081f, max, 1e-6f);
        assertEquals(-0.1307f / 0.3081f, min, 1e-6f);
    }

    @Test
    void unreadableFilesAreClearErrors(@TempDir Path dir) throws Exception {
        Path text = dir.resolve("not-an-image.png");
        Files.writeString(text, "hello");
        assertTrue(assertThrows(java.io.IOException.class, () -> ImageInput.mnistPixels(text, 28))
                .getMessage().contains("not an image"));
        assertTrue(assertThrows(java.io.IOException.class, () -> ImageInput.mnistPixels(dir.resolve("missing.png"), 28))
                .getMessage().contains("no such image file"));
    }
}
