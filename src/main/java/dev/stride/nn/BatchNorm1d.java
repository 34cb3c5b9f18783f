package dev.stride.nn;

import dev.stride.tensor.Shape;
import dev.stride.tensor.ShapeException;

/**
 * Batch normalisation of features [N, C] (after a fully connected layer), or [N, C, L], PyTorch's
 * {@code BatchNorm1d}: per feature, {@code y = (x - mean) / sqrt(var + eps) * weight + bias}, with
 * the batch's statistics over N (or N*L) in training mode and the running ones in evaluation mode.
 * Defaults eps 1e-5, momentum 0.1; the rest is {@link BatchNormBase}'s.
 */
public final class BatchNorm1d extends BatchNormBase {

    /**
     * With PyTorch's defaults, eps 1e-5 and momentum 0.1.
     *
     * @param features C, the features normalised
     */
    public BatchNorm1d(int features) {
        this(features, 1e-5, 0.1);
    }

    /**
     * A batch norm with these settings.
     *
     * @param features C, the features normalised
     * @param eps added to the variance, positive
     * @param momentum the running statistics' update weight, in [0, 1]
     */
    public BatchNorm1d(int features, double eps, double momentum) {
        super(features, eps, momentum);
    }

    @Override
    public Shape outputShape(Shape input) {
        if (input.rank() != 2 && input.rank() != 3) {
            throw new ShapeException(label() + ": expects input [N, C] or [N, C, L], got " + input
                    + (input.rank() == 4 ? "; use BatchNorm2d for images, or put a Flatten before it" : ""));
        }
        checkChannels(input, input.rank() == 2 ? "[N, C]" : "[N, C, L]");
        return input;
    }

    @Override
    public String describe() {
        return "BatchNorm1d(" + hyperparameters() + ")";
    }
}
