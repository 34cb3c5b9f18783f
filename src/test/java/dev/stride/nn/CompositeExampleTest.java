package dev.stride.nn;

import dev.stride.tensor.Shape;
import dev.stride.tensor.Tensor;
import dev.stride.testing.GradientCheck;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The composite docs/layers.md shows, compiled and run, so the page cannot rot. */
class CompositeExampleTest {

    static final class TwoConvs extends Layer {
        private final Conv2d first;
        private final Conv2d second;

        TwoConvs(int c) {
            first = addChild("conv1", new Conv2d(Conv2dSpec.of(c, c, 3, 1, 1)));
            second = addChild("conv2", new Conv2d(Conv2dSpec.of(c, c, 3, 1, 1)));
        }

        @Override public Shape outputShape(Shape in) { return second.outputShape(first.outputShape(in)); }
        @Override protected boolean ownsOutput() { return false; }
        @Override protected void allocate(Shape in, BuildContext ctx) {
            buildChild(first, in, ctx);
            buildChild(second, first.outputShape(in), ctx);
        }
        @Override protected Tensor forwardPass(Tensor x) { return second.forward(first.forward(x)); }
        @Override protected Tensor backwardPass(Tensor dy, boolean needInputGrad) {
            return first.backward(second.backward(dy, true), needInputGrad);
        }
        @Override public String describe() { return "TwoConvs"; }
    }

    @Test
    void theDocumentedCompositeNamesItsParametersAndPassesTheGradientCheck() {
        try (Arena arena = Arena.ofConfined()) {
            Sequential model = new Sequential(new TwoConvs(2), new Tanh());
            model.build(Shape.of(2, 2, 5, 5), arena);
            assertEquals(List.of("0.conv1.weight", "0.conv1.bias", "0.conv2.weight", "0.conv2.bias"),
                    List.copyOf(model.state().keySet()));
            Init.xavier(1).apply(model.parameters());
            GradientCheck.checkLayer(model, GradientCheck.random(arena, 2, 2, 2, 5, 5), 3);
        }
    }
}
