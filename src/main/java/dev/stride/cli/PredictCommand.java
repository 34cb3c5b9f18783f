package dev.stride.cli;

import dev.stride.blas.GemmBackend;
import dev.stride.data.Normalization;
import dev.stride.nn.BuildOptions;
import dev.stride.nn.Layer;
import dev.stride.tensor.Tensor;
import dev.stride.train.ModelCheckpoint;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

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

    @Override
    public Integer call() throws Exception {
        backend.apply();
        try (Arena arena = Arena.ofShared()) {
            ModelCheckpoint.Loaded loaded = ModelCheckpoint.load(checkpoint, GemmBackend.defaultGemm(), arena, 1,
                    BuildOptions.inference().withThreads(backend.threads()));
            Layer net = loaded.model();
            Normalization norm = loaded.normalization();
            int size = net.inputShape().dim(2);
            Tensor input = Tensor.zeros(arena, net.inputShape());
            for (Path image : images) {
                int[] pixels = ImageInput.mnistPixels(image, size);
                input.copyFrom(normalise(pixels, norm));
                float[] p = softmax(net.forward(input).toArray());
                int best = 0;
                for (int c = 1; c < p.length; c++) {
                    best = p[c] > p[best] ? c : best;
                }
                StringBuilder probs = new StringBuilder();
                for (int c = 0; c < p.length; c++) {
                    probs.append(String.format(Locale.ROOT, " %d:%.3f", c, p[c]));
                }
                System.out.printf(Locale.ROOT, "%s: class %d (p=%.3f) |%s%n", image, best, p[best], probs);
            }
        }
        return 0;
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
