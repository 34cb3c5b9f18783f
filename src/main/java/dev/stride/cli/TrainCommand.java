package dev.stride.cli;

import dev.stride.data.DataLoader;
import dev.stride.data.Dataset;
import dev.stride.data.LoaderSpec;
import dev.stride.data.MnistDownloader;
import dev.stride.data.Normalization;
import dev.stride.nn.BuildOptions;
import dev.stride.nn.Init;
import dev.stride.nn.Models;
import dev.stride.nn.Layer;
import dev.stride.nn.SoftmaxCrossEntropy;
import dev.stride.optim.LrSchedule;
import dev.stride.optim.Optimizer;
import dev.stride.tensor.Shape;
import dev.stride.tensor.ShapeException;
import dev.stride.train.EpochResult;
import dev.stride.train.Evaluation;
import dev.stride.train.ModelCheckpoint;
import dev.stride.train.Trainer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code stride train}: trains a model on MNIST with progress, metrics, plots and checkpoints. */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Train a model on MNIST (fetched into the cache on first use).")
final class TrainCommand implements Callable<Integer> {
    @Option(names = "--model", defaultValue = "lenet5", description = "Model to train: ${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE}).")
    Models.Name model;

    @Option(names = "--epochs", defaultValue = "5", description = "Epochs (default ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--batch", defaultValue = "64", description = "Mini-batch size (default ${DEFAULT-VALUE}).")
    int batch;

    @Mixin
    OptimizerOptions optimizer;

    @Option(names = "--shift", defaultValue = "1", description = "Random-shift augmentation in pixels (default ${DEFAULT-VALUE}).")
    int shift;

    @Option(names = "--seed", defaultValue = "1", description = "Seed for initialisation and shuffling (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--out", defaultValue = "runs/lenet5", description = "Output directory (default ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--data", description = "MNIST directory (default: the Stride cache).")
    Path data;

    @Option(names = "--resume", description = "Continue from this checkpoint (its model, weights, optimiser state and epoch).")
    Path resume;

    @Mixin
    BackendOptions backend;

    @Override
    public Integer call() throws Exception {
        // Everything that can be checked is checked before the data is fetched and training starts.
        if (epochs < 1) {
            throw new CliException("--epochs " + epochs + ": must be at least 1", "leave it out for the default");
        }
        BatchOption.forTraining(batch, DataSpec.MNIST);
        CliPaths.writableDirectory(out, "--out");
        if (resume != null) {
            CliPaths.readableFile(resume, "--resume", "a checkpoint written by stride train");
        }
        if (data != null) {
            CliPaths.dataDirectory(data, "--data");
        }
        Compute compute = backend.apply();
        RunRecord record = new RunRecord(out);

        try (Arena arena = Arena.ofShared()) {
            BuildOptions training = BuildOptions.training().withThreads(compute.threads());
            Layer net;
            ModelCheckpoint.Loaded loaded = null;
            if (resume != null) {
                // One sample first, to check it against the data; parameters survive the rebuild below.
                loaded = ModelCheckpoint.load(resume, compute.gemm(), arena, 1, training);
                net = loaded.model();
                DataSpec.MNIST.requireFits(net, net.inputShape(), "checkpoint " + resume,
                        "stride train runs on MNIST: resume a checkpoint trained on MNIST");
                seed = loaded.progress().seed();
            } else {
                // Any zoo model, made for MNIST's grey images and ten classes; those that cannot take
                // 28x28 inputs (the ImageNet ones shrink them away) say so with their layer.
                net = Models.byName(model, DataSpec.MNIST.classes(), DataSpec.MNIST.channels(), compute.gemm());
                Shape one = DataSpec.MNIST.batchShape(1);
                try {
                    net.outputShape(one);
                } catch (ShapeException e) {
                    throw new CliException("--model " + model + " cannot take MNIST's 1x28x28 images: " + e.getMessage(),
                            "choose a model for small images: lenet5, resnet20, resnet56 (or vgg_small at 32x32, not MNIST)");
                }
                DataSpec.MNIST.requireFits(net, one, "--model " + model, "train lenet5 or resnet20 on MNIST");
            }
            BatchOption.build(net, DataSpec.MNIST.batchShape(batch), arena, training);
            if (loaded == null) {
                new Init(Init.Scheme.HE_UNIFORM, Init.BiasScheme.ZERO, seed).apply(net.parameters());
            }
            Optimizer opt = optimizer.create(net.parameters(), arena);
            if (loaded != null) {
                restore(loaded, opt);
            }

            Path dir = data != null ? data : MnistDownloader.defaultDirectory();
            MnistDownloader.ensure(dir, msg -> System.err.println("data: " + msg));
            Dataset train = Dataset.mnistTrain(dir);
            Dataset test = Dataset.mnistTest(dir);
            Normalization norm = loaded != null ? loaded.normalization() : Normalization.of(train);
            int firstEpoch = loaded != null ? loaded.progress().epochsDone() : 0;
            int stepsPerEpoch = (train.count() + batch - 1) / batch;
            LrSchedule schedule = optimizer.schedule((long) epochs * stepsPerEpoch, stepsPerEpoch);
            SoftmaxCrossEntropy loss = new SoftmaxCrossEntropy();
            loss.build(net.outputShape(), arena);
            Trainer trainer = new Trainer(net, loss, opt, schedule);
            if (loaded != null) {
                trainer.setGlobalStep(loaded.progress().globalStep());
            }
            DataLoader trainLoader = new DataLoader(train, norm, LoaderSpec.training(batch, seed, shift), arena);
            DataLoader testLoader = new DataLoader(test, norm, LoaderSpec.evaluation(batch), arena);

            System.out.println(net.summary());
            System.out.printf(Locale.ROOT, "training %s on %d images (test %d), batch %d, %s, %s, backend %s, %d threads%n",
                    model, train.count(), test.count(), batch, opt.describe(), schedule.describe(), compute.gemm().name(),
                    compute.threads());
            if (firstEpoch >= epochs) {
                System.out.println("the checkpoint has already done " + firstEpoch + " of " + epochs + " epochs");
            }
            List<EpochResult> history = record.history(loaded);
            try (ProgressReporter progress = new ProgressReporter(epochs)) {
                for (int epoch = firstEpoch; epoch < epochs; epoch++) {
                    history.add(trainer.epoch(epoch, trainLoader, testLoader, progress));
                    record.epochDone(history, net, norm, opt, new ModelCheckpoint.Progress(epoch + 1, trainer.globalStep(), seed),
                            Map.of("model", model.toString(), "batch", Integer.toString(batch)));
                }
            }
            Evaluation finalEval = trainer.evaluate(testLoader);
            System.out.println();
            System.out.println("confusion matrix (test set):");
            System.out.print(finalEval.confusion().format());
            System.out.printf(Locale.ROOT, "test accuracy %.2f%%%n", 100 * finalEval.accuracy());
            System.out.println("wrote " + record.checkpoint() + ", " + record.csv() + ", " + record.curves());
        }
        return 0;
    }

    /** The optimiser's state from the checkpoint; another optimiser is refused with the option that fits. */
    private void restore(ModelCheckpoint.Loaded loaded, Optimizer opt) {
        try {
            loaded.restore(opt);
        } catch (IllegalArgumentException e) {
            String options = OptimizerOptions.savedAs(loaded.checkpoint().metadata());
            throw new CliException(e.getMessage(), options.isEmpty() ? "train afresh without --resume"
                    : "resume with the optimiser options it was trained with" + options + ", or train afresh without --resume", e);
        }
    }
}
