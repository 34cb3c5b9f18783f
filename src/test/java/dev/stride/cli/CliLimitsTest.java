package dev.stride.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.CRC32;

import static dev.stride.cli.CliRun.assertError;
import static dev.stride.cli.CliRun.assertNoStackTrace;
import static dev.stride.cli.CliRun.assertVerboseShowsTrace;
import static dev.stride.cli.CliRun.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

/** Options and inputs beyond what the machine or the data can take: capped with a warning, or refused up front. */
class CliLimitsTest {
    private static final int PROCESSORS = Runtime.getRuntime().availableProcessors();

    @TempDir
    Path dir;

    @Test
    void threadsAboveTheProcessorCountAreCappedWithAWarning() {
        CliRun.Result r = run("info", "--backend", "java", "--threads", "1000");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("stride: warning: --threads 1000 is more than the " + PROCESSORS + " processors; using "
                + PROCESSORS + " (add --force-threads to use 1000)"), r.err());
        assertTrue(r.out().contains("threads   " + PROCESSORS + " ("), r.out());
    }

    @Test
    void labelSmoothingOutsideItsRangeIsRefusedBeforeAnyWork() {
        assertError(run("train", "--backend", "java", "--label-smoothing", "1.5"), 1, "--label-smoothing 1.5: must be at least 0 and below 1",
                "0.1 is usual");
    }

    @Test
    void forceThreadsKeepsTheCount() {
        int n = PROCESSORS + 1;
        CliRun.Result r = run("info", "--backend", "java", "--threads", Integer.toString(n), "--force-threads");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("threads   " + n + " ("), r.out());
        assertTrue(!r.err().contains("warning"), r.err());
    }

    @Test
    void noThreadsIsRefused() {
        assertError(run("info", "--backend", "java", "--threads", "0"), 1, "stride info: --threads 0: must be at least 1",
                "leave it out to use all " + PROCESSORS + " processors");
    }

    @Test
    void aTrainingBatchAboveTheTrainingSetIsRefused() {
        assertError(run("train", "--backend", "java", "--batch", "60001", "--out", dir.resolve("run").toString(),
                "--data", dir.toString()), 1, "stride train: --batch 60001: more than the 60000 training images of MNIST",
                "use at most 60000");
        assertError(run("train", "--backend", "java", "--batch", "0", "--out", dir.resolve("run").toString()), 1,
                "--batch 0: must be at least 1");
    }

    @Test
    void anEvaluationBatchIsCappedAndRunningOutOfMemoryNamesTheBatch() throws IOException {
        // The model asks for 16384 x 28 x 28 floats a sample: 514 GB at the capped batch of 10000, an
        // allocation refused at once, unless the kernel promises any amount of memory (overcommit 1).
        assumeFalse(Files.readString(Path.of("/proc/sys/vm/overcommit_memory")).strip().equals("1"),
                "vm.overcommit_memory=1 would grant the allocation and the test would fill the memory instead");
        Path wide = TestCheckpoints.wide(dir.resolve("wide.stride"), 16384);
        Path data = Files.createDirectories(dir.resolve("mnist"));
        String[] args = {"eval", "--backend", "java", "--threads", "1", "--checkpoint", wide.toString(), "--batch", "100000",
                "--data", data.toString()};
        CliRun.Result r = run(args);
        assertTrue(r.err().contains("stride: note: --batch 100000 is more than the 10000 test images of MNIST; using 10000"), r.err());
        assertError(r, 1, "stride eval: --batch 10000: not enough memory for the model's buffers at 10000 samples a batch",
                "use a smaller --batch");
        assertVerboseShowsTrace(args);
        try (Stream<Path> files = Files.list(data)) {
            assertEquals(0, files.count(), "the batch is checked before the data is fetched");
        }
    }

    /** A real 8x8 PNG whose header then claims {@code width} x {@code height} pixels (CRC kept right). */
    private Path pngClaiming(String name, int width, int height) throws IOException {
        Path png = dir.resolve(name);
        ImageIO.write(new BufferedImage(8, 8, BufferedImage.TYPE_BYTE_GRAY), "png", png.toFile());
        byte[] b = Files.readAllBytes(png);
        // 8-byte signature, then the IHDR chunk: length (4), "IHDR" (4), width (4), height (4), 5 more bytes, CRC.
        ByteBuffer.wrap(b).putInt(16, width).putInt(20, height);
        CRC32 crc = new CRC32();
        crc.update(b, 12, 17);
        ByteBuffer.wrap(b).putInt(29, (int) crc.getValue());
        return Files.write(png, b);
    }

    private Path digit(String name) throws IOException {
        BufferedImage img = new BufferedImage(60, 80, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, 60, 80);
        g.setColor(Color.BLACK);
        g.fillRect(25, 10, 10, 60);
        g.dispose();
        Path png = dir.resolve(name);
        ImageIO.write(img, "png", png.toFile());
        return png;
    }

    @Test
    void anImageTooLargeToDecodeIsRefusedFromItsHeader() throws IOException {
        Path ckpt = TestCheckpoints.lenet(dir.resolve("lenet.stride"));
        // 100,000 x 100,000 pixels would need 40 GB decoded; the file is under 100 bytes.
        Path huge = pngClaiming("huge.png", 100_000, 100_000);
        CliRun.Result r = run("predict", "--backend", "java", "--checkpoint", ckpt.toString(), huge.toString());
        assertEquals(List.of("stride predict: " + huge + ": 100000 x 100000 pixels (9537 megapixels), more than the 64 megapixels"
                + " predict decodes; scale it down first", "stride predict: 1 of 1 images could not be classified (see above)"),
                assertError(r, 1));
    }

    @Test
    void predictReportsABadFileAndGoesOnWithTheRest() throws IOException {
        Path ckpt = TestCheckpoints.lenet(dir.resolve("lenet.stride"));
        Path a = digit("a.png");
        Path bad = Files.writeString(dir.resolve("bad.txt"), "not an image");
        Path c = digit("c.png");
        CliRun.Result r = run("predict", "--backend", "java", "--checkpoint", ckpt.toString(), a.toString(), bad.toString(), c.toString());
        assertEquals(List.of("stride predict: " + bad + ": not an image this Java can read (use PNG or JPEG)",
                "stride predict: 1 of 3 images could not be classified (see above)"), assertError(r, 1));
        List<String> out = r.out().lines().toList();
        assertEquals(2, out.size(), r.out());
        assertTrue(out.get(0).startsWith(a + ": class ") && out.get(1).startsWith(c + ": class "), r.out());
    }

    @Test
    void aTruncatedOrMissingImageIsNamed() throws IOException {
        Path ckpt = TestCheckpoints.lenet(dir.resolve("lenet.stride"));
        Path whole = digit("whole.png");
        byte[] b = Files.readAllBytes(whole);
        Path cut = Files.write(dir.resolve("cut.png"), Arrays.copyOf(b, b.length * 2 / 3));
        Path missing = dir.resolve("missing.png");
        CliRun.Result r = run("predict", "--backend", "java", "--checkpoint", ckpt.toString(), cut.toString(), missing.toString(), dir.toString());
        assertEquals(1, r.code());
        assertNoStackTrace(r);
        List<String> report = r.report();
        assertEquals(4, report.size(), r.err());
        assertTrue(report.get(0).startsWith("stride predict: " + cut + ": cannot decode it (") && report.get(0).endsWith(
                "); is it a complete PNG or JPEG?"), r.err());
        assertEquals("stride predict: " + missing + ": no such image file", report.get(1));
        assertEquals("stride predict: " + dir + ": is a directory, not an image", report.get(2));
        assertEquals("stride predict: 3 of 3 images could not be classified (see above)", report.get(3));
    }
}
