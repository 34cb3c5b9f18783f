package dev.stride.cli;

import dev.stride.train.CheckpointFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static dev.stride.cli.CliRun.assertError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code stride import}, then eval and predict on what it wrote, as on a checkpoint Stride trained. */
class ImportCliTest {
    @TempDir
    Path dir;

    private static Path fixture(String name) throws URISyntaxException {
        return Path.of(ImportCliTest.class.getResource("/onnx/" + name).toURI());
    }

    @Test
    void anImportedLeNetPredictsAPng() throws Exception {
        Path ckpt = dir.resolve("lenet.stride");
        CliRun.Result r = CliRun.run("import", "--onnx", fixture("lenet_opset9.onnx").toString(), "--out", ckpt.toString(),
                "--classes", "zero,one,two,three,four,five,six,seven,eight,nine");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("input 1x28x28 (normalised with mean 0.0, std 1.0), 10 outputs, 61,706 parameters"), r.out());

        Path png = dir.resolve("blank.png");
        ImageIO.write(new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY), "png", png.toFile());
        r = CliRun.run("predict", "--backend", "java", "--checkpoint", ckpt.toString(), png.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().matches("(?s).*blank\\.png: (zero|one|two|three|four|five|six|seven|eight|nine) \\(class \\d, p=0\\.\\d{3}\\).*"), r.out());
    }

    /**
     * eval on an image folder (fast; docs/onnx-import.md shows eval on MNIST, which takes seconds):
     * the view fixture takes 1x13x13 and has three classes.
     */
    @Test
    void anImportedModelEvaluatesOnAnImageFolder() throws Exception {
        Path ckpt = dir.resolve("view.stride");
        CliRun.Result r = CliRun.run("import", "--onnx", fixture("view_opset17.onnx").toString(), "--out", ckpt.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("note: dropped the final Softmax"), r.out());
        Path root = dir.resolve("images");
        for (String c : new String[] {"a", "b", "c"}) {
            for (int i = 0; i < 2; i++) {
                BufferedImage img = new BufferedImage(13, 13, BufferedImage.TYPE_BYTE_GRAY);
                img.getRaster().setSample(i + 3, c.charAt(0) - 'a' + 4, 0, 255);
                for (String split : new String[] {"train", "test"}) {
                    Files.createDirectories(root.resolve(split).resolve(c));
                    ImageIO.write(img, "png", root.resolve(split).resolve(c).resolve(i + ".png").toFile());
                }
            }
        }
        r = CliRun.run("eval", "--backend", "java", "--checkpoint", ckpt.toString(), "--dataset", "folder:" + root);
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().matches("(?s).*test accuracy \\d+\\.\\d\\d%.*"), r.out());
    }

    @Test
    void theFilesNormalisationAndClassNamesAreKept() throws Exception {
        Path ckpt = dir.resolve("handmade.stride");
        CliRun.Result r = CliRun.run("import", "--onnx", fixture("handmade_opset13.onnx").toString(), "--out", ckpt.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("input 2x5x5 (normalised with mean 0.5,0.25, std 0.2,0.4), 4 outputs"), r.out());
        var meta = CheckpointFile.read(ckpt).metadata();
        assertEquals(List.of("zero", "one,with comma", "two\\", "three"), DataChoice.splitNames(meta.get(DataChoice.CLASSES_KEY)));
    }

    @Test
    void unsupportedOperatorsAreListedEachOnItsLine() throws Exception {
        Path onnx = fixture("upsample_opset11.onnx");
        CliRun.Result r = CliRun.run("import", "--onnx", onnx.toString(), "--out", dir.resolve("up.stride").toString());
        assertEquals(1, r.code(), r.err());
        assertTrue(r.err().contains("stride import: " + onnx + ": cannot import it into Stride's layers (1 problem):"), r.err());
        assertTrue(r.err().contains("stride import: Resize node '/up/Resize': operator Resize is not supported"), r.err());
        assertFalse(Files.exists(dir.resolve("up.stride")), "nothing is written");
    }

    @Test
    void badFilesAndOptionsAreOneClearError() throws Exception {
        Path truncated = fixture("truncated.onnx");
        assertError(CliRun.run("import", "--onnx", truncated.toString(), "--out", dir.resolve("t.stride").toString()), 1,
                "stride import: " + truncated + ": at byte 20: a field of 248327 bytes where 277 remain");
        Path lenet = fixture("lenet_opset17.onnx");
        assertError(CliRun.run("import", "--onnx", lenet.toString(), "--out", dir.resolve("l.stride").toString(), "--mean", "0.1"), 1,
                "--mean and --std go together", "give both");
        assertError(CliRun.run("import", "--onnx", lenet.toString(), "--out", dir.resolve("l.stride").toString(),
                "--mean", "0.1,0.2", "--std", "0.3,0.3"), 1, "the model's input has 1 channels");
        assertError(CliRun.run("import", "--onnx", lenet.toString(), "--out", dir.resolve("l.stride").toString(),
                "--classes", "a,b"), 1, "--classes names 2 classes but the model has 10 outputs");
    }
}
