package dev.stride.cli;

import dev.stride.train.EpochResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

class PlotsTest {

    @Test
    void writesBothChartsSideBySide(@TempDir Path dir) throws Exception {
        List<EpochResult> history = List.of(
                new EpochResult(0, 0.3, 0.90, 0.10, 0.97, 0.05, 15, 4000),
                new EpochResult(1, 0.1, 0.97, 0.05, 0.985, 0.03, 15, 4000),
                new EpochResult(2, 0.05, 0.98, 0.03, 0.99, 0.01, 15, 4000));
        Path png = dir.resolve("curves.png");
        Plots.trainingCurves(history, png);
        BufferedImage img = ImageIO.read(png.toFile());
        assertEquals(1120, img.getWidth());
        assertEquals(400, img.getHeight());
        // Something was drawn: the two halves are not one flat colour.
        assertNotEquals(img.getRGB(5, 5), img.getRGB(280, 200));
    }
}
