package dev.stride.cli;

import dev.stride.data.Normalization;
import dev.stride.nn.BuildOptions;
import dev.stride.nn.Layer;
import dev.stride.tensor.Shape;
import dev.stride.tensor.Tensor;
import dev.stride.train.ModelCheckpoint;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code stride predict}: classifies PNG/JPEG images with a trained checkpoint. */
@Command(name = "predict", mixinStandardHelpOptions = true,
        description = "Classify images (JPEG, PNG, BMP, GIF, any size; converted to the model's input) with a checkpoint.")
final class PredictCommand implements Callable<Integer> {
    @Option(names = "--checkpoint", required = true, description = "Checkpoint file written by stride train.")
    Path checkpoint;

    @Parameters(arity = "1..*", paramLabel = "IMAGE", description = "Images to classify.")
    List<Path> images;

    @Mixin
    BackendOptions backend;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        CliPaths.readableFile(checkpoint, "--checkpoint", "a checkpoint written by stride train");
        Compute compute = backend.apply();
        try (Arena arena = Arena.ofShared()) {
            ModelCheckpoint.Loaded loaded = ModelCheckpoint.load(checkpoint, compute.gemm(), arena, 1,
                    BuildOptions.inference().withThreads(compute.threads()));
            Layer net = loaded.model();
            requireImageInput(net);
            Normalization norm = loaded.normalization();
            var meta = loaded.checkpoint().metadata();
            boolean mnistLike = net.inputShape().dim(1) == 1 && meta.getOrDefault(DataChoice.DATASET_KEY, "mnist").equals("mnist");
            List<String> names = DataChoice.splitNames(meta.get(DataChoice.CLASSES_KEY));
            int channels = net.inputShape().dim(1);
            int height = net.inputShape().dim(2);
            int width = net.inputShape().dim(3);
            Tensor input = Tensor.zeros(arena, net.inputShape());
            // A file that cannot be read is reported and skipped: the rest are still classified.
            int failed = 0;
            for (Path image : images) {
                float[] x;
                try {
                    x = mnistLike ? normalise(ImageInput.mnistPixels(image, height), norm)
                            : normalise(dev.stride.data.ImageDecoder.load(image, channels, height, width), norm);
                } catch (IOException e) {
                    spec.commandLine().getErr().println("stride predict: " + e.getMessage());
                    failed++;
                    continue;
                }
                input.copyFrom(x);
                System.out.println(describe(image, softmax(net.forward(input).toArray()), names));
            }
            if (failed > 0) {
                spec.commandLine().getErr().println("stride predict: " + failed + " of " + images.size()
                        + " images could not be classified (see above)");
                return 1;
            }
        }
        return 0;
    }

    /** Images are decoded to grey or RGB: the model must take 1 or 3 channels (MNIST-style ones square). */
    private void requireImageInput(Layer net) {
        Shape in = net.inputShape();
        if (in.rank() != 4 || (in.dim(1) != 1 && in.dim(1) != 3)) {
            throw new CliException("checkpoint " + checkpoint + " takes " + DataSpec.sample(in) + " inputs and "
                    + DataSpec.classesOf(net.outputShape()) + ", but predict makes grey (1xHxW) or RGB (3xHxW) images",
                    "predict runs models with one or three input channels, such as those stride train makes");
        }
    }

    private static String describe(Path image, float[] p, List<String> names) {
        int best = 0;
        for (int c = 1; c < p.length; c++) {
            best = p[c] > p[best] ? c : best;
        }
        StringBuilder probs = new StringBuilder();
        for (int c = 0; c < p.length; c++) {
            probs.append(String.format(Locale.ROOT, " %d:%.3f", c, p[c]));
        }
        if (names.size() == p.length) {
            return String.format(Locale.ROOT, "%s: %s (class %d, p=%.3f) |%s", image, names.get(best), best, p[best], probs);
        }
        return String.format(Locale.ROOT, "%s: class %d (p=%.3f) |%s", image, best, p[best], probs);
    }

    /** Grey levels 0..255 to the model's input scale, with the training set's statistics. */
    static float[] normalise(int[] pixels, Normalization norm) {
        float[] x = new float[pixels.length];
        for (int i = 0; i < x.length; i++) {
            x[i] = norm.apply(0, pixels[i]);
        }
        return x;
    }

    /** A decoded image's bytes to the model's input scale, channel by channel. */
    static float[] normalise(dev.stride.data.U8Image img, Normalization norm) {
        byte[] px = img.pixels();
        int plane = img.height() * img.width();
        float[] x = new float[px.length];
        for (int i = 0; i < x.length; i++) {
            x[i] = norm.apply(i / plane, Byte.toUnsignedInt(px[i]));
        }
        return x;
    }

    private static float[] softmax(float[] z) {
        float max = Float.NEGATIVE_INFINITY;
        for (float v : z) {
            max = Math.max(max, v);
        }
        double sum = 0;
        double[] e = new double[z.length];
        for (int i = 0; i < z.length; i++) {
            e[i] = Math.exp(z[i] - max);
            sum += e[i];
        }
        float[] p = new float[z.length];
        for (int i = 0; i < z.length; i++) {
            p[i] = (float) (e[i] / sum);
        }
        return p;
    }
}
