package dev.stride.cli;

import dev.stride.blas.GemmBackend;
import dev.stride.data.DataLoader;
import dev.stride.data.Dataset;
import dev.stride.data.LoaderSpec;
import dev.stride.data.MnistDownloader;
import dev.stride.data.Normalization;
import dev.stride.nn.Init;
import dev.stride.nn.Models;
import dev.stride.nn.Layer;
import dev.stride.nn.SoftmaxCrossEntropy;
import dev.stride.optim.LrSchedule;
import dev.stride.optim.Optimizer;
import dev.stride.tensor.Shape;
import dev.stride.train.EpochResult;
import dev.stride.train.Evaluation;
import dev.stride.train.ModelCheckpoint;
import dev.stride.train.Trainer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
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
        backend.apply();
        if (epochs < 1 || batch < 1) {
            throw new IllegalArgumentException("--epochs and --batch must be at least 1");
        }
        Path dir = data != null ? data : MnistDownloader.defaultDirectory();
        MnistDownloader.ensure(dir, msg -> System.err.println("data: " + msg));
        Dataset train = Dataset.mnistTrain(dir);
        Dataset test = Dataset.mnistTest(dir);
        int[] expected = Models.inputShape(model);
        if (expected[0] != train.channels() || expected[1] != train.height() || expected[2] != train.width()) {
            throw new IllegalArgumentException(model + " takes " + expected[0] + "x" + expected[1] + "x" + expected[2]
                    + " images but MNIST's are " + train.channels() + "x" + train.height() + "x" + train.width()
                    + "; train lenet5 on MNIST");
        }
        Files.createDirectories(out);
        Path checkpoint = out.resolve("checkpoint.stride");
        Path csv = out.resolve("metrics.csv");

        try (Arena arena = Arena.ofShared()) {
            Layer net;
            Normalization norm;
            int firstEpoch = 0;
            ModelCheckpoint.Loaded loaded = null;
            if (resume != null) {
                loaded = ModelCheckpoint.load(resume, GemmBackend.defaultGemm(), arena, batch, backend.threads());
                net = loaded.model();
                norm = loaded.normalization();
                firstEpoch = loaded.progress().epochsDone();
                seed = loaded.progress().seed();
            } else {
                net = Models.byName(model);
                net.build(Shape.of(batch, 1, 28, 28), arena, backend.threads());
                new Init(Init.Scheme.HE_UNIFORM, Init.BiasScheme.ZERO, seed).apply(net.parameters());
                norm = Normalization.of(train);
            }
            int stepsPerEpoch = (train.count() + batch - 1) / batch;
            Optimizer opt = optimizer.create(net.parameters(), arena);
            LrSchedule schedule = optimizer.schedule((long) epochs * stepsPerEpoch, stepsPerEpoch);
            SoftmaxCrossEntropy loss = new SoftmaxCrossEntropy();
            loss.build(net.outputShape(), arena);
            Trainer trainer = new Trainer(net, loss, opt, schedule);
            if (loaded != null) {
                loaded.restore(opt);
                trainer.setGlobalStep(loaded.progress().globalStep());
            }
            DataLoader trainLoader = new DataLoader(train, norm, LoaderSpec.training(batch, seed, shift), arena);
            DataLoader testLoader = new DataLoader(test, norm, LoaderSpec.evaluation(batch), arena);

            System.out.println(net.summary());
            System.out.printf(Locale.ROOT, "training %s on %d images (test %d), batch %d, %s, %s, backend %s, %d threads%n",
                    model, train.count(), test.count(), batch, opt.describe(), schedule.describe(), GemmBackend.defaultGemm().name(),
                    backend.threads());
            if (firstEpoch >= epochs) {
                System.out.println("the checkpoint has already done " + firstEpoch + " of " + epochs + " epochs");
            }
            List<EpochResult> history = readHistory(csv, firstEpoch);
            try (ProgressReporter progress = new ProgressReporter(epochs)) {
                for (int epoch = firstEpoch; epoch < epochs; epoch++) {
                    EpochResult r = trainer.epoch(epoch, trainLoader, testLoader, progress);
                    history.add(r);
                    writeHistory(csv, history);
                    ModelCheckpoint.save(checkpoint, net, norm, opt,
                            new ModelCheckpoint.Progress(epoch + 1, trainer.globalStep(), seed),
                            Map.of("model", model.toString(), "batch", Integer.toString(batch)));
                    Plots.trainingCurves(history, out.resolve("curves.png"));
                }
            }
            Evaluation finalEval = trainer.evaluate(testLoader);
            System.out.println();
            System.out.println("confusion matrix (test set):");
            System.out.print(finalEval.confusion().format());
            System.out.printf(Locale.ROOT, "test accuracy %.2f%%%n", 100 * finalEval.accuracy());
            System.out.println("wrote " + checkpoint + ", " + csv + ", " + out.resolve("curves.png"));
        }
        return 0;
    }

    /** Rows of an earlier run's CSV up to the epoch a resumed run starts from. */
    private static List<EpochResult> readHistory(Path csv, int epochs) throws java.io.IOException {
        List<EpochResult> history = new ArrayList<>();
        if (epochs == 0 || !Files.exists(csv)) {
            return history;
        }
        for (String line : Files.readAllLines(csv)) {
            String[] f = line.split(",");
            if (f.length == 8 && !f[0].equals("epoch") && Integer.parseInt(f[0]) < epochs) {
                history.add(new EpochResult(Integer.parseInt(f[0]), Double.parseDouble(f[1]), Double.parseDouble(f[2]),
                        Double.parseDouble(f[3]), Double.parseDouble(f[4]), Double.parseDouble(f[5]),
                        Double.parseDouble(f[6]), Double.parseDouble(f[7])));
            }
        }
        return history;
    }

    private static void writeHistory(Path csv, List<EpochResult> history) throws java.io.IOException {
        Path tmp = csv.resolveSibling(csv.getFileName() + ".tmp");
        try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING))) {
            w.println(EpochResult.csvHeader());
            for (EpochResult r : history) {
                w.println(r.csvRow());
            }
        }
        Files.move(tmp, csv, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }
}
