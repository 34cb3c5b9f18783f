package dev.stride.cli;

import dev.stride.data.Cifar;
import dev.stride.data.Dataset;
import dev.stride.data.FashionMnist;
import dev.stride.data.ImageDataset;
import dev.stride.data.ImageFolder;
import dev.stride.data.MnistDownloader;
import dev.stride.train.CheckpointMetadata;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

/**
 * The {@code --dataset} option: mnist, fashion-mnist, cifar10, cifar100 or folder:PATH; what it
 * offers a model ({@link #spec()}) and its training and test images.
 */
final class DataChoice {
    /** Checkpoint metadata keys: the --dataset value and the class names. */
    static final String DATASET_KEY = CheckpointMetadata.DATASET;
    static final String CLASSES_KEY = CheckpointMetadata.CLASSES;

    private final String value;
    private final DataSpec spec;
    private final ImageFolder.Split folder; // folder data, scanned up front (cheap: no decoding)

    private DataChoice(String value, DataSpec spec, ImageFolder.Split folder) {
        this.value = value;
        this.spec = spec;
        this.folder = folder;
    }

    /**
     * @param imageSize for folder data: the size every image is resized to
     * @param channels  for folder data: 1 or 3
     */
    static DataChoice parse(String value, int imageSize, int channels, long seed) {
        return switch (value) {
            case "mnist" -> new DataChoice(value, DataSpec.MNIST, null);
            case "fashion-mnist" -> new DataChoice(value, new DataSpec("Fashion-MNIST", 1, 28, 28, 10, 60_000, 10_000), null);
            case "cifar10" -> new DataChoice(value, new DataSpec("CIFAR-10", 3, 32, 32, 10, 50_000, 10_000), null);
            case "cifar100" -> new DataChoice(value, new DataSpec("CIFAR-100", 3, 32, 32, 100, 50_000, 10_000), null);
            default -> {
                if (!value.startsWith("folder:") || value.length() == "folder:".length()) {
                    throw new CliException("--dataset " + value + ": unknown data set",
                            "use mnist, fashion-mnist, cifar10, cifar100 or folder:PATH (PATH/<class>/<image>)");
                }
                Path root = Path.of(value.substring("folder:".length()));
                if (imageSize < 1) {
                    throw new CliException("--image-size " + imageSize + ": must be at least 1", "leave it out for the default");
                }
                ImageFolder.Split split;
                try {
                    split = ImageFolder.open(root, channels, imageSize, 0.2, seed);
                } catch (IOException e) {
                    throw new CliException("--dataset " + value + ": " + e.getMessage(),
                            "give a folder laid out as PATH/<class>/<image>, or PATH/train/<class>/... and PATH/test/<class>/...", e);
                }
                yield new DataChoice(value, new DataSpec(root.toString(), channels, imageSize, imageSize,
                        split.train().classes(), split.train().count(), split.test().count()), split);
            }
        };
    }

    String value() {
        return value;
    }

    DataSpec spec() {
        return spec;
    }

    /** The grey data sets prepared like MNIST (predict centres the ink of such images). */
    boolean isMnist() {
        return value.equals("mnist");
    }

    /** The training images, fetching the data into {@code dir} (or its cache) first. */
    ImageDataset train(Path dir, Consumer<String> progress) throws IOException {
        return load(dir, progress, true);
    }

    ImageDataset test(Path dir, Consumer<String> progress) throws IOException {
        return load(dir, progress, false);
    }

    private ImageDataset load(Path dir, Consumer<String> progress, boolean train) throws IOException {
        switch (value) {
            case "mnist" -> {
                Path d = MnistDownloader.ensure(dir != null ? dir : MnistDownloader.defaultDirectory(), progress);
                return train ? Dataset.mnistTrain(d) : Dataset.mnistTest(d);
            }
            case "fashion-mnist" -> {
                Path d = FashionMnist.ensure(dir != null ? dir : FashionMnist.defaultDirectory(), progress);
                return train ? FashionMnist.train(d) : FashionMnist.test(d);
            }
            case "cifar10", "cifar100" -> {
                Cifar.Kind kind = value.equals("cifar10") ? Cifar.Kind.CIFAR10 : Cifar.Kind.CIFAR100;
                Path archive = Cifar.ensure(dir != null ? dir : kind.defaultDirectory(), kind, progress);
                return train ? Cifar.train(archive, kind) : Cifar.test(archive, kind);
            }
            default -> {
                return train ? folder.train() : folder.test();
            }
        }
    }

    /** See {@link CheckpointMetadata#joinNames}. */
    static String joinNames(List<String> names) {
        return CheckpointMetadata.joinNames(names);
    }

    /** See {@link CheckpointMetadata#splitNames}. */
    static List<String> splitNames(String joined) {
        return CheckpointMetadata.splitNames(joined);
    }
}
