package dev.stride.docs;

import dev.stride.blas.GemmBackend;
import dev.stride.data.Normalization;
import dev.stride.nn.BuildOptions;
import dev.stride.nn.Init;
import dev.stride.nn.Models;
import dev.stride.nn.Sequential;
import dev.stride.tensor.Shape;
import dev.stride.train.CheckpointMetadata;
import dev.stride.train.ModelCheckpoint;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.DataOutputStream;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * What the documentation's code takes as given (a checkpoint, an image, MNIST's files), made small
 * for the harnesses {@link DocsJavaTest} wraps around each block and the commands
 * {@link DocsCommandsTest} runs; public because the harnesses are compiled outside this package.
 */
public final class SnippetFixtures {
    public static final List<String> DIGITS = List.of("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine");

    private SnippetFixtures() {
    }

    /** LeNet-5 for MNIST with random weights, MNIST's normalisation and the digits' names, as stride train saves it. */
    public static Path lenetCheckpoint(Path file) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            Sequential net = Models.lenet5(GemmBackend.defaultGemm());
            net.build(Shape.of(1, 1, 28, 28), arena, BuildOptions.inference().withThreads(1));
            Init.he(7).apply(net.parameters());
            Files.createDirectories(file.toAbsolutePath().getParent());
            ModelCheckpoint.save(file, net, new Normalization(new float[] {0.1307f}, new float[] {0.3081f}), null,
                    new ModelCheckpoint.Progress(1, 1, 7), Map.of(CheckpointMetadata.DATASET, "mnist",
                            CheckpointMetadata.CLASSES, CheckpointMetadata.joinNames(DIGITS)));
        }
        return file;
    }

    /** A 40x40 grey PNG with a bright stroke. */
    public static Path greyImage(Path file) throws IOException {
        BufferedImage image = new BufferedImage(40, 40, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 8; y < 32; y++) {
            image.getRaster().setSample(20, y, 0, 255);
        }
        Files.createDirectories(file.toAbsolutePath().getParent());
        ImageIO.write(image, "png", file.toFile());
        return file;
    }

    /**
     * MNIST's four uncompressed IDX files under their names in {@code dir}, holding {@code train} and
     * {@code test} {@link #digits} (learnt in a few steps).
     */
    public static Path mnistFiles(Path dir, int train, int test) throws IOException {
        Files.createDirectories(dir);
        writeSplit(dir, "train", train, 1);
        writeSplit(dir, "t10k", test, 2);
        return dir;
    }

    /**
     * An image folder of such digits as PNG files: {@code root/train/<digit>/<i>.png} and
     * {@code root/test/<digit>/<i>.png}.
     */
    public static Path digitFolder(Path root, int train, int test) throws IOException {
        for (String split : List.of("train", "test")) {
            int count = split.equals("train") ? train : test;
            Digits d = digits(count, split.equals("train") ? 1 : 2);
            for (int i = 0; i < count; i++) {
                BufferedImage image = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
                image.getRaster().setDataElements(0, 0, 28, 28, java.util.Arrays.copyOfRange(d.pixels, i * 784, (i + 1) * 784));
                Path file = root.resolve(split).resolve(Integer.toString(d.labels[i])).resolve(i + ".png");
                Files.createDirectories(file.getParent());
                ImageIO.write(image, "png", file.toFile());
            }
        }
        return root;
    }

    private record Digits(byte[] pixels, byte[] labels) {
    }

    /** Digit-sized images whose class is which of ten horizontal bands holds a bright bar. */
    private static Digits digits(int count, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        byte[] pixels = new byte[count * 28 * 28];
        byte[] labels = new byte[count];
        for (int i = 0; i < count; i++) {
            labels[i] = (byte) random.nextInt(10);
            int row = 2 + labels[i] * 2 + random.nextInt(2);
            for (int x = 4; x < 24; x++) {
                pixels[i * 784 + row * 28 + x] = (byte) 220;
            }
        }
        return new Digits(pixels, labels);
    }

    private static void writeSplit(Path dir, String prefix, int count, long seed) throws IOException {
        Digits d = digits(count, seed);
        try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(dir.resolve(prefix + "-images-idx3-ubyte")))) {
            out.writeInt(0x803);
            out.writeInt(count);
            out.writeInt(28);
            out.writeInt(28);
            out.write(d.pixels);
        }
        try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(dir.resolve(prefix + "-labels-idx1-ubyte")))) {
            out.writeInt(0x801);
            out.writeInt(count);
            out.write(d.labels);
        }
    }

    /** The harnesses' assertion: a failed one ends the snippet's JVM with a message. */
    public static void check(boolean ok, String what) {
        if (!ok) {
            throw new AssertionError(what);
        }
    }
}
