package dev.stride.cli;

import dev.stride.data.DataLoader;
import dev.stride.data.Dataset;
import dev.stride.data.LoaderSpec;
import dev.stride.data.MnistDownloader;
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

/** {@code stride eval}: a checkpoint's accuracy and confusion matrix on the MNIST test set. */
@Command(name = "eval", mixinStandardHelpOptions = true, description = "Evaluate a checkpoint on the MNIST test set.")
final class EvalCommand implements Callable<Integer> {
    @Option(names = "--checkpoint", required = true, description = "Checkpoint file written by stride train.")
    Path checkpoint;

    @Option(names = "--data", description = "MNIST directory (default: the Stride cache).")
    Path data;

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
        int n = BatchOption.forEvaluation(batch, DataSpec.MNIST);
        try (Arena arena = Arena.ofShared()) {
            // Loaded for one sample first: enough to check it against the data before the batch's
            // memory is taken and before anything is fetched; parameters survive the rebuild.
            BuildOptions options = BuildOptions.inference().withThreads(compute.threads());
            ModelCheckpoint.Loaded loaded = ModelCheckpoint.load(checkpoint, compute.gemm(), arena, 1, options);
            DataSpec.MNIST.requireFits(loaded.model(), loaded.model().inputShape(), "checkpoint " + checkpoint,
                    "stride eval runs on MNIST's test set: evaluate a model trained on MNIST");
            BatchOption.build(loaded.model(), loaded.model().inputShape().withBatch(n), arena, options);

            Path dir = data != null ? data : MnistDownloader.defaultDirectory();
            MnistDownloader.ensure(dir, msg -> System.err.println("data: " + msg));
            Dataset test = Dataset.mnistTest(dir);
            SoftmaxCrossEntropy loss = new SoftmaxCrossEntropy();
            loss.build(loaded.model().outputShape(), arena);
            DataLoader loader = new DataLoader(test, loaded.normalization(), LoaderSpec.evaluation(n), arena);
            Evaluation e = Trainer.evaluate(loaded.model(), loss, loader);
            System.out.print(e.confusion().format());
            System.out.printf(Locale.ROOT, "test loss %.4f%n", e.loss());
            System.out.printf(Locale.ROOT, "test accuracy %.2f%%%n", 100 * e.accuracy());
        }
        return 0;
    }
}
