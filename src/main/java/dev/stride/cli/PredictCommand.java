package dev.stride.cli;

import dev.stride.data.ImageDecoder;
import dev.stride.data.Normalization;
import dev.stride.infer.ImagePreparation;
import dev.stride.infer.InferenceModel;
import dev.stride.infer.InferenceOptions;
import dev.stride.infer.Prediction;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.awt.image.BufferedImage;
import java.io.IOException;
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
        // One image at a time on one predictor; BackendOptions has already held --threads to the
        // processors unless --force-threads, so the budget is forced here.
        InferenceOptions options = InferenceOptions.defaults(compute.gemm()).withMaxBatch(1).withPredictors(1)
                .withThreadsPerPredictor(compute.threads()).withForceThreads(true);
        try (InferenceModel model = InferenceModel.load(checkpoint, options)) {
            requireImageInput(model);
            boolean mnistStyle = model.imagePreparation() == ImagePreparation.MNIST_STYLE;
            // A file that cannot be read is reported and skipped: the rest are still classified.
            int failed = 0;
            for (Path image : images) {
                BufferedImage picture;
                try {
                    picture = mnistStyle ? ImageInput.read(image) : ImageDecoder.read(image);
                } catch (IOException e) {
                    spec.commandLine().getErr().println("stride predict: " + e.getMessage());
                    failed++;
                    continue;
                }
                System.out.println(describe(image, model.predict(picture), model.classNames()));
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
    private void requireImageInput(InferenceModel model) {
        if (model.imagePreparation() == null) {
            throw new CliException("checkpoint " + checkpoint + " takes " + DataSpec.sample(model.inputShape(1))
                    + " inputs and " + DataSpec.classesOf(model.outputShape(1)) + ", but predict makes grey (1xHxW) or RGB (3xHxW) images",
                    "predict runs models with one or three input channels, such as those stride train makes");
        }
    }

    private static String describe(Path image, Prediction prediction, List<String> names) {
        float[] p = prediction.probabilities();
        int best = prediction.best().index();
        StringBuilder probs = new StringBuilder();
        for (int c = 0; c < p.length; c++) {
            probs.append(String.format(Locale.ROOT, " %d:%.3f", c, p[c]));
        }
        if (!names.isEmpty()) {
            return String.format(Locale.ROOT, "%s: %s (class %d, p=%.3f) |%s", image, names.get(best), best, p[best], probs);
        }
        return String.format(Locale.ROOT, "%s: class %d (p=%.3f) |%s", image, best, p[best], probs);
    }

    /** Grey levels 0..255 to the model's input scale, with the training set's statistics. */
    static float[] normalise(int[] pixels, Normalization norm) {
        return ImagePreparation.normalise(pixels, norm);
    }
}
