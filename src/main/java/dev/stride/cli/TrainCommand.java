package dev.stride.cli;

import dev.stride.data.DataLoader;
import dev.stride.data.ImageDataset;
import dev.stride.data.ImageTransform;
import dev.stride.data.Transforms;
import dev.stride.data.LoaderSpec;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code stride train}: trains a model on a data set with progress, metrics, plots and checkpoints. */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Train a model on MNIST, Fashion-MNIST, CIFAR-10/100 (fetched into the cache on first use) or a folder of images.")
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

    @Mixin
    DataOptions dataOptions;

    @Option(names = "--label-smoothing", defaultValue = "0", description = "Target (1 - e) for the label and e/classes spread over all (PyTorch's label_smoothing; default ${DEFAULT-VALUE}).")
    float labelSmoothing;

    @Option(names = "--augment", description = "Colour data: random crop with 4 pixels of padding and horizontal flips (grey data uses --shift).")
    boolean augment;

    @Option(names = "--flip", description = "Random horizontal flips of half the images, grey data too (--augment flips colour data already): for subjects that look the same mirrored, such as Fashion-MNIST's clothes, not digits.")
    boolean flip;

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
        if (!(labelSmoothing >= 0 && labelSmoothing < 1)) {
            throw new CliException("--label-smoothing " + labelSmoothing + ": must be at least 0 and below 1", "0.1 is usual; 0 turns it off");
        }
        DataChoice choice = dataOptions.choice(seed);
        DataSpec spec = choice.spec();
        BatchOption.forTraining(batch, spec);
        CliPaths.writableDirectory(out, "--out");
        if (resume != null) {
            CliPaths.readableFile(resume, "--resume", "a checkpoint written by stride train");
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
                spec.requireFits(net, net.inputShape(), "checkpoint " + resume,
                        "resume with the --dataset the checkpoint was trained on");
                seed = loaded.progress().seed();
            } else {
                // Any zoo model, made for the data's channels and classes; those that cannot take its
                // image size (the ImageNet ones shrink small images away) say so with their layer.
                net = Models.byName(model, spec.classes(), spec.channels(), compute.gemm());
                Shape one = spec.batchShape(1);
                try {
                    net.outputShape(one);
                } catch (ShapeException e) {
                    throw new CliException("--model " + model + " cannot take " + spec.name() + "'s " + spec.channels() + "x"
                            + spec.height() + "x" + spec.width() + " images: " + e.getMessage(),
                            "choose a model for this image size: lenet5 at 28x28, resnet20 or vgg_small at 32x32 (--image-size for folders)");
                }
                spec.requireFits(net, one, "--model " + model, "choose a model for " + spec.height() + "x" + spec.width() + " images");
            }
            BatchOption.build(net, spec.batchShape(batch), arena, training);
            if (loaded == null) {
                new Init(Init.Scheme.HE_UNIFORM, Init.BiasScheme.ZERO, seed).apply(net.parameters());
            }
            Optimizer opt = optimizer.create(net.parameters(), arena);
            if (loaded != null) {
                restore(loaded, opt);
            }

            ImageDataset train = choice.train(dataOptions.data, msg -> System.err.println("data: " + msg));
            ImageDataset test = choice.test(dataOptions.data, msg -> System.err.println("data: " + msg));
            Normalization norm = loaded != null ? loaded.normalization() : Normalization.of(train);
            int firstEpoch = loaded != null ? loaded.progress().epochsDone() : 0;
            int stepsPerEpoch = (train.count() + batch - 1) / batch;
            LrSchedule schedule = optimizer.schedule((long) epochs * stepsPerEpoch, stepsPerEpoch);
            SoftmaxCrossEntropy loss = new SoftmaxCrossEntropy(labelSmoothing);
            loss.build(net.outputShape(), arena);
            Trainer trainer = new Trainer(net, loss, opt, schedule);
            if (loaded != null) {
                trainer.setGlobalStep(loaded.progress().globalStep());
            }
            List<ImageTransform> augmentation = augmentation(spec.channels(), spec.height(), spec.width(), augment, flip);
            int trainShift = spec.channels() == 1 ? shift : 0;
            try (DataLoader trainLoader = new DataLoader(train, norm, LoaderSpec.training(batch, seed, trainShift), augmentation, arena);
                 DataLoader testLoader = new DataLoader(test, norm, LoaderSpec.evaluation(batch), arena)) {
                run(net, model.toString(), train, test, trainer, trainLoader, testLoader, opt, schedule, compute, norm, record, loaded,
                        firstEpoch, choice);
            }
        }
        return 0;
    }

    private void run(Layer net, String modelName, ImageDataset train, ImageDataset test, Trainer trainer, DataLoader trainLoader,
                     DataLoader testLoader, Optimizer opt, LrSchedule schedule, Compute compute, Normalization norm, RunRecord record,
                     ModelCheckpoint.Loaded loaded, int firstEpoch, DataChoice choice) throws java.io.IOException {
        {
            Map<String, String> meta = new java.util.LinkedHashMap<>();
            meta.put("model", modelName);
            meta.put("batch", Integer.toString(batch));
            meta.put(DataChoice.DATASET_KEY, choice.value());
            if (!train.classNames().isEmpty()) {
                meta.put(DataChoice.CLASSES_KEY, DataChoice.joinNames(train.classNames()));
            }

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
                            meta);
                }
            }
            Evaluation finalEval = trainer.evaluate(testLoader);
            System.out.println();
            System.out.println("confusion matrix (test set):");
            System.out.print(finalEval.confusion().format());
            System.out.printf(Locale.ROOT, "test accuracy %.2f%%%n", 100 * finalEval.accuracy());
            System.out.println("wrote " + record.checkpoint() + ", " + record.csv() + ", " + record.curves());
        }
    }

    /**
     * The training images' transforms: grey data keeps MNIST's shifts (the loader's), colour data takes
     * CIFAR's crop and flip with {@code augment}, and {@code flip} mirrors either.
     */
    static List<ImageTransform> augmentation(int channels, int height, int width, boolean augment, boolean flip) {
        List<ImageTransform> transforms = new ArrayList<>();
        boolean colour = augment && channels == 3;
        if (colour) {
            transforms.add(Transforms.randomCrop(height, width, 4));
        }
        if (flip || colour) {
            transforms.add(Transforms.horizontalFlip(0.5));
        }
        return transforms;
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
