package dev.stride.cli;

import dev.stride.data.DataLoader;
import dev.stride.data.ImageDataset;
import dev.stride.data.LoaderSpec;
import dev.stride.nn.SoftmaxCrossEntropy;
import dev.stride.nn.BuildOptions;
import dev.stride.train.Evaluation;
import dev.stride.train.ModelCheckpoint;
import dev.stride.train.Trainer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code stride eval}: a checkpoint's accuracy and confusion matrix on its data set's test images. */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = "Evaluate a checkpoint on the test images of the data set it was trained on (or --dataset).")
final class EvalCommand implements Callable<Integer> {
    @Option(names = "--checkpoint", required = true, description = "Checkpoint file written by stride train.")
    Path checkpoint;

    @Option(names = "--data", description = "Directory of the data set's files (default: the Stride cache).")
    Path data;

    @Option(names = "--dataset", description = "mnist, fashion-mnist, cifar10, cifar100 or folder:PATH (default: the checkpoint's, else mnist).")
    String dataset;

    @Option(names = "--batch", defaultValue = "256", description = "Batch size (default ${DEFAULT-VALUE}).")
    int batch;

    @Mixin
    BackendOptions backend;

    @Override
    public Integer call() throws Exception {
        CliPaths.readableFile(checkpoint, "--checkpoint", "a checkpoint written by stride train");
        if (data != null) {
            CliPaths.dataDirectory(data, "--data");
        }
        Compute compute = backend.apply();
        try (Arena arena = Arena.ofShared()) {
            // Loaded for one sample first: enough to check it against the data before the batch's
            // memory is taken and before anything is fetched; parameters survive the rebuild.
            BuildOptions options = BuildOptions.inference().withThreads(compute.threads());
            ModelCheckpoint.Loaded loaded = ModelCheckpoint.load(checkpoint, compute.gemm(), arena, 1, options);
            var meta = loaded.checkpoint().metadata();
            String name = dataset != null ? dataset : meta.getOrDefault(DataChoice.DATASET_KEY, "mnist");
            var in = loaded.model().inputShape();
            DataChoice choice = DataChoice.parse(name, in.dim(2), in.dim(1), 0);
            choice.spec().requireFits(loaded.model(), in, "checkpoint " + checkpoint,
                    "evaluate it on the data set it was trained on (--dataset)");
            int n = BatchOption.forEvaluation(batch, choice.spec());
            BatchOption.build(loaded.model(), loaded.model().inputShape().withBatch(n), arena, options);

            ImageDataset test = choice.test(data, msg -> System.err.println("data: " + msg));
            SoftmaxCrossEntropy loss = new SoftmaxCrossEntropy();
            loss.build(loaded.model().outputShape(), arena);
            Evaluation e;
            try (DataLoader loader = new DataLoader(test, loaded.normalization(), LoaderSpec.evaluation(n), arena)) {
                e = Trainer.evaluate(loaded.model(), loss, loader);
            }
            System.out.print(e.confusion().format());
            System.out.printf(Locale.ROOT, "test loss %.4f%n", e.loss());
            System.out.printf(Locale.ROOT, "test accuracy %.2f%%%n", 100 * e.accuracy());
        }
        return 0;
    }
}
