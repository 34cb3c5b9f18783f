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
        description = "Classify images (PNG/JPEG, any size; converted to 28x28 grey) with a checkpoint.")
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
            requireGreySquareInput(net);
            Normalization norm = loaded.normalization();
            int size = net.inputShape().dim(2);
            Tensor input = Tensor.zeros(arena, net.inputShape());
            // A file that cannot be read is reported and skipped: the rest are still classified.
            int failed = 0;
            for (Path image : images) {
                int[] pixels;
                try {
                    pixels = ImageInput.mnistPixels(image, size);
                } catch (IOException e) {
                    spec.commandLine().getErr().println("stride predict: " + e.getMessage());
                    failed++;
                    continue;
                }
                input.copyFrom(normalise(pixels, norm));
                System.out.println(describe(image, softmax(net.forward(input).toArray())));
            }
            if (failed > 0) {
                spec.commandLine().getErr().println("stride predict: " + failed + " of " + images.size()
                        + " images could not be classified (see above)");
                return 1;
            }
        }
        return 0;
    }

    /** ImageInput makes square grey images, so the model must take one channel of H = W. */
    private void requireGreySquareInput(Layer net) {
        Shape in = net.inputShape();
        if (in.rank() != 4 || in.dim(1) != 1 || in.dim(2) != in.dim(3)) {
            throw new CliException("checkpoint " + checkpoint + " takes " + DataSpec.sample(in) + " inputs and "
                    + DataSpec.classesOf(net.outputShape()) + ", but predict makes square grey images (1xHxW)",
                    "predict runs models with one input channel and square inputs, such as those stride train makes");
        }
    }

    private static String describe(Path image, float[] p) {
        int best = 0;
        for (int c = 1; c < p.length; c++) {
            best = p[c] > p[best] ? c : best;
        }
        StringBuilder probs = new StringBuilder();
        for (int c = 0; c < p.length; c++) {
            probs.append(String.format(Locale.ROOT, " %d:%.3f", c, p[c]));
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
