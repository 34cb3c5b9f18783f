package dev.stride.examples.imagefolder;

import dev.stride.blas.Gemm;
import dev.stride.blas.GemmBackend;
import dev.stride.data.DataLoader;
import dev.stride.data.ImageDecoder;
import dev.stride.data.ImageFolder;
import dev.stride.data.ImageFolderDataset;
import dev.stride.data.ImageTransform;
import dev.stride.data.LoaderSpec;
import dev.stride.data.Normalization;
import dev.stride.data.Transforms;
import dev.stride.infer.ClassProbability;
import dev.stride.infer.InferenceModel;
import dev.stride.nn.BuildOptions;
import dev.stride.nn.Init;
import dev.stride.nn.Layer;
import dev.stride.nn.Models;
import dev.stride.nn.SoftmaxCrossEntropy;
import dev.stride.optim.LrSchedule;
import dev.stride.optim.Optimizer;
import dev.stride.optim.Sgd;
import dev.stride.optim.SgdSpec;
import dev.stride.tensor.Shape;
import dev.stride.train.CheckpointMetadata;
import dev.stride.train.EpochResult;
import dev.stride.train.Evaluation;
import dev.stride.train.ModelCheckpoint;
import dev.stride.train.Trainer;
import dev.stride.train.TrainingListener;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Trains a classifier on a folder of images laid out as {@code root/<class>/<image>} (or with
 * {@code train/} and {@code test/} splits below the root), evaluates it, saves a checkpoint, and
 * classifies pictures with the checkpoint through the inference API, as a service would.
 *
 * <pre>
 * ImageFolderTraining FOLDER [--epochs N] [--model NAME] [--channels 1|3] [--image-size S] [--batch B] [--out FILE] [IMAGE...]
 * </pre>
 *
 * The defaults suit small grey pictures such as digits (LeNet-5, 1x28x28); for colour photos take
 * {@code --model resnet20 --channels 3 --image-size 32}. Without IMAGEs it classifies the test split.
 */
public final class ImageFolderTraining {
    private static final long SEED = 42;
    private static final double LR = 0.05;
    private static final double TEST_FRACTION = 0.2;

    private ImageFolderTraining() {
    }

    public static void main(String[] args) throws IOException {
        Options o = Options.parse(args);

        // 1. The data: class folders become classes, numbered in the order of their sorted names.
        ImageFolder.Split split = ImageFolder.open(o.folder(), o.channels(), o.size(), TEST_FRACTION, SEED);
        ImageFolderDataset train = split.train();
        ImageFolderDataset test = split.test();
        List<String> classes = train.classNames();
        System.out.printf(Locale.ROOT, "%d classes %s: %d training images, %d test images, %dx%dx%d%n",
                classes.size(), classes, train.count(), test.count(), o.channels(), o.size(), o.size());

        int batch = Math.min(o.batch(), train.count());
        int threads = Runtime.getRuntime().availableProcessors();
        Gemm gemm = GemmBackend.defaultGemm();   // OpenBLAS; -Dstride.backend=java for the pure-Java GEMM
        try (Arena arena = Arena.ofShared()) {
            // 2. The model, built once for batches of up to `batch`, its buffers in our arena.
            Layer net = Models.byName(o.model(), classes.size(), o.channels(), gemm);
            net.build(Shape.of(batch, o.channels(), o.size(), o.size()), arena, BuildOptions.training().withThreads(threads));
            new Init(Init.Scheme.HE_UNIFORM, Init.BiasScheme.ZERO, SEED).apply(net.parameters());
            System.out.println(net.summary());

            // 3. Loss, optimiser, schedule, and the loaders that decode the images on their own threads.
            Normalization norm = Normalization.of(train);   // per-channel mean and std of the training images
            SoftmaxCrossEntropy loss = new SoftmaxCrossEntropy();
            loss.build(net.outputShape(), arena);
            Optimizer sgd = new Sgd(net.parameters(), arena, SgdSpec.of(LR).withMomentum(0.9).withWeightDecay(5e-4));
            long steps = (long) o.epochs() * ((train.count() + batch - 1) / batch);
            Trainer trainer = new Trainer(net, loss, sgd, LrSchedule.cosine(LR, 0, steps));
            // Grey pictures get random shifts of a pixel; colour ones CIFAR's random crop and flip.
            List<ImageTransform> augmentation = o.channels() == 3
                    ? List.of(Transforms.randomCrop(o.size(), o.size(), 4), Transforms.horizontalFlip(0.5)) : List.of();
            int shift = o.channels() == 1 ? 1 : 0;
            try (DataLoader trainData = new DataLoader(train, norm, LoaderSpec.training(batch, SEED, shift), augmentation, arena);
                 DataLoader testData = new DataLoader(test, norm, LoaderSpec.evaluation(batch), arena)) {
                for (int epoch = 0; epoch < o.epochs(); epoch++) {
                    EpochResult r = trainer.epoch(epoch, trainData, testData, TrainingListener.NONE);
                    System.out.printf(Locale.ROOT, "epoch %d: train loss %.4f, train accuracy %.1f%%, test accuracy %.1f%% (%.1f s)%n",
                            epoch + 1, r.trainLoss(), 100 * r.trainAccuracy(), 100 * r.testAccuracy(), r.seconds());
                }
                Evaluation eval = trainer.evaluate(testData);
                System.out.print("confusion matrix (test split; classes in the order above):\n" + eval.confusion().format());
                System.out.printf(Locale.ROOT, "test accuracy %.1f%%%n", 100 * eval.accuracy());
            }

            // 4. The checkpoint: weights, normalisation, optimiser state, and what the classes are
            //    called, so that whoever loads it gets class names and the same picture preparation.
            Map<String, String> meta = Map.of("model", o.model().name(),
                    CheckpointMetadata.DATASET, "folder:" + o.folder(),
                    CheckpointMetadata.CLASSES, CheckpointMetadata.joinNames(classes));
            ModelCheckpoint.save(o.out(), net, norm, sgd, new ModelCheckpoint.Progress(o.epochs(), trainer.globalStep(), SEED), meta);
            System.out.println("saved " + o.out());
        }

        // 5. Inference, from the file alone: the model is thread-safe, its answers carry class names.
        try (InferenceModel model = InferenceModel.load(o.out())) {
            if (o.images().isEmpty()) {
                for (int i = 0; i < test.count(); i++) {
                    ClassProbability best = model.predict(ImageDecoder.read(test.file(i))).best();
                    System.out.printf(Locale.ROOT, "%s: %s (p=%.4f), labelled %s%n",
                            test.file(i), best.name(), best.probability(), classes.get(test.label(i)));
                }
            }
            for (Path image : o.images()) {
                ClassProbability best = model.predict(ImageDecoder.read(image)).best();
                System.out.printf(Locale.ROOT, "%s: %s (p=%.4f)%n", image, best.name(), best.probability());
            }
        }
    }

    /** The command line: a folder, options with defaults, and pictures to classify. */
    private record Options(Path folder, int epochs, Models.Name model, int channels, int size, int batch, Path out,
                           List<Path> images) {
        private static final String USAGE = "usage: ImageFolderTraining FOLDER [--epochs N] [--model NAME] [--channels 1|3]"
                + " [--image-size S] [--batch B] [--out FILE] [IMAGE...]\n"
                + "  FOLDER holds one folder of images per class (FOLDER/<class>/<image>), or train/ and test/ folders of them.\n"
                + "  Defaults: --epochs 10 --model lenet5 --channels 1 --image-size 28 --batch 32 --out model.stride;"
                + " colour photos: --model resnet20 --channels 3 --image-size 32";

        static Options parse(String[] args) {
            Path folder = null;
            int epochs = 10;
            Models.Name model = Models.Name.lenet5;
            int channels = 1;
            int size = 28;
            int batch = 32;
            Path out = Path.of("model.stride");
            List<Path> images = new ArrayList<>();
            try {
                for (int i = 0; i < args.length; i++) {
                    switch (args[i]) {
                        case "--help", "-h" -> fail(null);
                        case "--epochs" -> epochs = Integer.parseInt(value(args, ++i));
                        case "--model" -> model = Models.Name.valueOf(value(args, ++i));
                        case "--channels" -> channels = Integer.parseInt(value(args, ++i));
                        case "--image-size" -> size = Integer.parseInt(value(args, ++i));
                        case "--batch" -> batch = Integer.parseInt(value(args, ++i));
                        case "--out" -> out = Path.of(value(args, ++i));
                        default -> {
                            if (args[i].startsWith("--")) {
                                fail("unknown option " + args[i]);
                            } else if (folder == null) {
                                folder = Path.of(args[i]);
                            } else {
                                images.add(Path.of(args[i]));
                            }
                        }
                    }
                }
            } catch (IllegalArgumentException e) {   // a number or model name that does not parse
                fail(e.getMessage() + " (models: " + List.of(Models.Name.values()) + ")");
            }
            if (folder == null || epochs < 1 || batch < 1 || size < 1 || (channels != 1 && channels != 3)) {
                fail(folder == null ? "no FOLDER given" : "--epochs, --batch and --image-size take positive numbers, --channels 1 or 3");
            }
            return new Options(folder, epochs, model, channels, size, batch, out, images);
        }

        private static String value(String[] args, int i) {
            if (i >= args.length) {
                fail(args[i - 1] + " needs a value");
            }
            return args[i];
        }

        private static void fail(String problem) {
            if (problem != null) {
                System.err.println("ImageFolderTraining: " + problem);
            }
            System.err.println(USAGE);
            System.exit(problem == null ? 0 : 2);
        }
    }
}
