package dev.stride.nn;

import dev.stride.tensor.Shape;

/**
 * An element-wise layer of any rank (2-D after Linear, 4-D after a convolution): the output has the
 * input's shape. Its backward may read the last input and output that {@link BufferedLayer} keeps.
 */
abstract class Elementwise extends PartViewLayer {

    @Override
    public final Shape outputShape(Shape input) {
        return input;
    }
}
