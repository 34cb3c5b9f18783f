package dev.stride.nn;

import dev.stride.tensor.Shape;
import dev.stride.tensor.ShapeException;
import dev.stride.tensor.Tensor;
import dev.stride.testing.Backends;
import dev.stride.testing.GradientCheck;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class SequentialTest {

    private static Sequential tinyNet(Arena arena) {
        Sequential net = new Sequential(
                new Conv2d(Conv2dSpec.of(2, 3, 3, 1, 1), Backends.all().get(0)),
                new Flatten(),
                new Linear(3 * 4 * 4, 5, true, Backends.all().get(0)));
        net.build(Shape.of(2, 2, 4, 4), arena);
        long seed = 50;
        for (Parameter p : net.parameters()) {
            p.value().copyFrom(GradientCheck.random(arena, seed++, p.value().shape().dims()));
        }
        return net;
    }

    @Test
    void theLecturesExampleSummary() {
        try (Arena arena = Arena.ofConfined()) {
            Sequential net = new Sequential(new Conv2d(Conv2dSpec.of(3, 10, 5, 1, 2)));
            net.build(Shape.of(1, 3, 32, 32), arena);
            assertEquals(Shape.of(1, 10, 32, 32), net.outputShape());
            assertEquals(760, net.parameterCount());
            String n = System.lineSeparator();
            String expected = ""
                    + "layer                                  output shape     parameters" + n
                    + "------------------------------------------------------------------" + n
                    + "input                                  [1, 3, 32, 32]" + n
                    + "0 Conv2d(3->10, 5x5, stride 1, pad 2)  [1, 10, 32, 32]         760" + n;
            String totals = "------------------------------------------------------------------" + n
                    + "total parameters: 760" + n
                    + "output: [1, 10, 32, 32]" + n;
            assertEquals(expected + totals, net.summary());
            assertEquals(expected
                    + "    height (32 - 5 + 2*2)/1 + 1 = 32, width (32 - 5 + 2*2)/1 + 1 = 32 -> 32x32x10;"
                    + " parameters (5*5*3)*10 + 10 = 760" + n
                    + totals, net.summary(true));
        }
    }

    @Test
    void backwardMatchesFiniteDifferencesThroughConvFlattenLinear() {
        try (Arena arena = Arena.ofConfined()) {
            Sequential net = tinyNet(arena);
            GradientCheck.checkLayer(net, GradientCheck.random(arena, 7, 2, 2, 4, 4), 8);
        }
    }

    @Test
    void parametersInLayerOrderAndGradientBookkeeping() {
        try (Arena arena = Arena.ofConfined()) {
            Sequential net = tinyNet(arena);
            Conv2d conv = (Conv2d) net.layers().get(0);
            Linear fc = (Linear) net.layers().get(2);
            assertEquals(List.of(conv.weight(), conv.bias(), fc.weight(), fc.bias()), net.parameters());
            assertEquals((3 * 3 * 2) * 3 + 3 + 48 * 5 + 5, net.parameterCount());
            assertEquals(Shape.of(2, 2, 4, 4), net.inputShape());
            assertEquals(Shape.of(2, 5), net.outputShape());
            assertEquals("layer 2 (Linear)", fc.label());

            Tensor x = GradientCheck.random(arena, 9, 1, 2, 4, 4);
            Tensor y = net.forward(x);
            assertEquals(Shape.of(1, 5), y.shape());
            Tensor dy = GradientCheck.random(arena, 10, 1, 5);
            assertNull(net.backward(dy, false));
            assertNotEquals(0f, conv.weight().grad().getFlat(0));
            Tensor dx = net.backward(dy, true);
            assertEquals(x.shape(), dx.shape());
            net.backward(dy);
            net.zeroGrad();
            for (Parameter p : net.parameters()) {
                for (float v : p.grad().toArray()) {
                    assertEquals(0f, v);
                }
            }
        }
    }

    @Test
    void errorsNameTheLayer() {
        try (Arena arena = Arena.ofConfined()) {
            Sequential net = new Sequential(new Conv2d(Conv2dSpec.of(1, 6, 5, 1, 0)), new Flatten(), new Linear(400, 10));
            assertThrows(IllegalStateException.class, net::summary);
            ShapeException e = assertThrows(ShapeException.class, () -> net.build(Shape.of(4, 1, 28, 28), arena));
            assertTrue(e.getMessage().contains("layer 2 (Linear)") && e.getMessage().contains("[4, 3456]"), e.getMessage());
            assertThrows(IllegalArgumentException.class, Sequential::new);
        }
    }
}
