package dev.stride.nn;

import dev.stride.tensor.Shape;
import dev.stride.tensor.Tensor;

import java.lang.foreign.Arena;
import java.util.List;

/** The parameters of a GEMM layer (Conv2d, Linear): a weight and an optional bias with the same fans. */
final class WeightAndBias {
    private WeightAndBias() {
    }

    /** [weight] or [weight, bias], zero-filled from the arena; initialisation happens elsewhere. */
    static List<Parameter> create(Arena arena, Shape weight, int biasSize, boolean bias, int fanIn, int fanOut) {
        Parameter w = new Parameter("weight", Tensor.zeros(arena, weight), Tensor.zeros(arena, weight),
                fanIn, fanOut, Parameter.Kind.WEIGHT);
        if (!bias) {
            return List.of(w);
        }
        Shape b = Shape.of(biasSize);
        return List.of(w, new Parameter("bias", Tensor.zeros(arena, b), Tensor.zeros(arena, b), fanIn, fanOut, Parameter.Kind.BIAS));
    }
}
