package dev.stride.cli;

import dev.stride.blas.GemmBackend;
import dev.stride.data.Normalization;
import dev.stride.nn.Init;
import dev.stride.nn.Models;
import dev.stride.nn.Sequential;
import dev.stride.tensor.Shape;
import dev.stride.train.ModelCheckpoint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CliTest {

    private static CliRun.Result run(String... args) {
        return CliRun.run(args);
    }

    @Test
    void summaryExplainsTheArithmetic() {
        CliRun.Result r = run("summary", "--model", "lenet5", "--explain");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("(28 - 5 + 2*2)/1 + 1 = 28"), r.out());
        assertTrue(r.out().contains("(5*5*1)*6 + 6 = 156"), r.out());
        assertTrue(r.out().contains("total parameters: 61,706"), r.out());
    }

    /** The zoo from the command line: torchvision's counts, the tree indented, classes and channels chosen. */
    @Test
    void summaryShowsAZooModelsTree() {
        CliRun.Result r = run("summary", "--model", "resnet50");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("total parameters: 25,557,032"), r.out());
        assertTrue(r.out().contains("\n  0 Bottleneck(64->64->256, stride 1)") && r.out().contains("\n    downsample Sequential(2 layers)"),
                r.out());
        r = run("summary", "--model", "resnet20", "--classes", "100", "--channels", "1");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("output: [1, 100]") && r.out().contains("[1, 1, 32, 32]"), r.out());
    }

    @Test
    void predictAndFiltersUseACheckpoint(@TempDir Path dir) throws Exception {
        Path ckpt = dir.resolve("lenet.stride");
        try (Arena arena = Arena.ofConfined()) {
            Sequential net = Models.lenet5(GemmBackend.java());
            net.build(Shape.of(1, 1, 28, 28), arena);
            Init.he(3).apply(net.parameters());
            ModelCheckpoint.save(ckpt, net, new Normalization(new float[] {0.1307f}, new float[] {0.3081f}), null,
                    new ModelCheckpoint.Progress(0, 0, 3), Map.of());
        }
        Path png = dir.resolve("seven.png");
        BufferedImage img = new BufferedImage(90, 120, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, 90, 120);
        g.setColor(Color.BLACK);
        g.fillRect(10, 10, 70, 12);
        g.fillRect(60, 10, 12, 100);
        g.dispose();
        ImageIO.write(img, "png", png.toFile());

        CliRun.Result r = run("predict", "--backend", "java", "--checkpoint", ckpt.toString(), png.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().matches("(?s).*seven\\.png: class \\d \\(p=0\\.\\d{3}\\) \\| 0:0\\.\\d{3}.* 9:0\\.\\d{3}\\s*"), r.out());

        r = run("summary", "--checkpoint", ckpt.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("0 Conv2d(1->6, 5x5, stride 1, pad 2)") && r.out().contains("total parameters: 61,706"), r.out());

        Path grid = dir.resolve("filters.png");
        r = run("filters", "--checkpoint", ckpt.toString(), "--out", grid.toString());
        assertEquals(0, r.code(), r.err());
        BufferedImage filters = ImageIO.read(grid.toFile());
        assertEquals(4 + 1 * (5 * 16 + 4), filters.getWidth());
        assertEquals(4 + 6 * (5 * 16 + 4), filters.getHeight());
    }

    @Test
    void aFileThatIsNoCheckpointIsNamed(@TempDir Path dir) throws Exception {
        Path bogus = dir.resolve("bogus.stride");
        Files.writeString(bogus, "not a checkpoint");
        CliRun.Result r = run("predict", "--checkpoint", bogus.toString(), dir.resolve("x.png").toString());
        CliRun.assertError(r, 1, "stride predict: checkpoint " + bogus + ": not a Stride checkpoint");
    }
}
