package dev.stride.cli;

import dev.stride.nn.Layer;
import dev.stride.tensor.Shape;

/**
 * What a data set offers a model: the shape of one image, the number of classes and of images. The
 * commands check a model against it before fetching anything, so that a model for other data is
 * refused with both sides named rather than failing deep inside a layer or a label check.
 *
 * @param name what the user calls the data, e.g. "MNIST"
 */
record DataSpec(String name, int channels, int height, int width, int classes, int trainImages, int testImages) {
    /** MNIST's four files; their SHA-256 sums fix these numbers, so they are known before the files are fetched. */
    static final DataSpec MNIST = new DataSpec("MNIST", 1, 28, 28, 10, 60_000, 10_000);

    /** The shape of a batch of {@code n} images. */
    Shape batchShape(int n) {
        return Shape.of(n, channels, height, width);
    }

    /**
     * Refuses a model whose input or output does not fit this data.
     *
     * @param model  built, or not built when {@code input} is given
     * @param input  the model's input shape (batch first)
     * @param source where the model came from, e.g. "checkpoint runs/x/checkpoint.stride" or "--model vgg_small"
     * @param fix    what to do instead
     */
    void requireFits(Layer model, Shape input, String source, String fix) {
        Shape output = model.outputShape(input);
        boolean inputFits = input.rank() == 4 && input.dim(1) == channels && input.dim(2) == height && input.dim(3) == width;
        boolean outputFits = output.rank() == 2 && output.dim(1) == classes;
        if (!inputFits || !outputFits) {
            throw new CliException(source + " takes " + sample(input) + " inputs and " + classesOf(output) + ", but " + name
                    + " has " + channels + "x" + height + "x" + width + " images in " + classes + " classes", fix);
        }
    }

    /** C x H x W of one sample (the dimensions after the batch). */
    static String sample(Shape shape) {
        StringBuilder sb = new StringBuilder();
        for (int i = 1; i < shape.rank(); i++) {
            sb.append(i == 1 ? "" : "x").append(shape.dim(i));
        }
        return sb.toString();
    }

    /** "10 classes", or what the model gives instead of one score per class. */
    static String classesOf(Shape output) {
        return output.rank() == 2 ? "has " + output.dim(1) + " classes"
                : "gives " + sample(output) + " outputs a sample (not one score per class)";
    }
}
