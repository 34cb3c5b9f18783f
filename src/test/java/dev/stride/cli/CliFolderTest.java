package dev.stride.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** An image-folder data set end to end through the command line: train, eval, predict by class name. */
class CliFolderTest {
    /** A bar: vertical for "bar|vertical", horizontal for "bar,horizontal" (names that need escaping). */
    private static void draw(Path file, boolean vertical, int size, int variant, boolean rgb, String format) throws Exception {
        Files.createDirectories(file.getParent());
        BufferedImage img = new BufferedImage(size, size, rgb ? BufferedImage.TYPE_INT_RGB : BufferedImage.TYPE_BYTE_GRAY);
        Graphics2D g = img.createGraphics();
        g.setColor(Color.BLACK);
        g.fillRect(0, 0, size, size);
        g.setColor(rgb ? new Color(255, 200 - variant * 10, 60) : Color.WHITE);
        int t = Math.max(2, size / 5);
        int off = size / 4 + variant % 3 * size / 8;
        if (vertical) {
            g.fillRect(off, 1, t, size - 2);
        } else {
            g.fillRect(1, off, size - 2, t);
        }
        g.dispose();
        assertTrue(ImageIO.write(img, format, file.toFile()));
    }

    @Test
    void trainsEvaluatesAndPredictsOnAFolderOfImages(@TempDir Path dir) throws Exception {
        Path root = dir.resolve("bars");
        for (int i = 0; i < 12; i++) {
            int size = i % 3 == 0 ? 28 : (i % 3 == 1 ? 40 : 21);
            String format = i % 2 == 0 ? "png" : "jpg";
            draw(root.resolve("train/bar|vertical/" + i + "." + format), true, size, i, i % 4 == 0, format);
            draw(root.resolve("train/bar,horizontal/" + i + "." + format), false, size, i, i % 4 == 1, format);
        }
        for (int i = 0; i < 4; i++) {
            draw(root.resolve("test/bar|vertical/" + i + ".png"), true, 33, i, i == 0, "png");
            draw(root.resolve("test/bar,horizontal/" + i + ".png"), false, 33, i, i == 1, "png");
        }
        Files.writeString(root.resolve("train/bar|vertical/broken.png"), "not a png");
        Path out = dir.resolve("run");

        CliRun.Result train = CliRun.run("train", "--dataset", "folder:" + root, "--model", "lenet5", "--image-size", "28",
                "--epochs", "8", "--batch", "8", "--lr", "0.05", "--out", out.toString(), "--backend", "java");
        assertEquals(0, train.code(), train.err() + train.out());
        assertTrue(train.err().contains("skipped " + root.resolve("train/bar|vertical/broken.png")), train.err());
        Path ckpt = out.resolve("checkpoint.stride");
        assertTrue(Files.isRegularFile(ckpt));

        CliRun.Result eval = CliRun.run("eval", "--checkpoint", ckpt.toString(), "--backend", "java");
        assertEquals(0, eval.code(), eval.err() + eval.out());
        assertTrue(eval.out().contains("test accuracy"), eval.out());

        Path v = dir.resolve("v.png");
        Path h = dir.resolve("h.jpg");
        draw(v, true, 50, 1, true, "png");
        draw(h, false, 50, 1, false, "jpg");
        CliRun.Result predict = CliRun.run("predict", "--checkpoint", ckpt.toString(), "--backend", "java", v.toString(), h.toString());
        assertEquals(0, predict.code(), predict.err() + predict.out());
        List<String> lines = predict.out().lines().toList();
        assertTrue(lines.get(0).startsWith(v + ": bar|vertical (class 1"), predict.out());
        assertTrue(lines.get(1).startsWith(h + ": bar,horizontal (class 0"), predict.out());
    }

    @Test
    void anUnknownDataSetOrAnEmptyFolderIsATwoLineError(@TempDir Path dir) throws Exception {
        CliRun.assertError(CliRun.run("train", "--dataset", "imagenet", "--out", dir.resolve("o").toString()), 1,
                "--dataset imagenet: unknown data set", "folder:PATH");
        Files.createDirectories(dir.resolve("empty"));
        CliRun.assertError(CliRun.run("train", "--dataset", "folder:" + dir.resolve("empty"), "--out", dir.resolve("o").toString()), 1,
                dir.resolve("empty") + ": holds no class folders");
    }

    @Test
    void classNamesSurviveEscaping() {
        List<String> names = List.of("a,b", "c\\d", "", "plain");
        assertEquals(names, DataChoice.splitNames(DataChoice.joinNames(names)));
    }
}
