package dev.stride.nn;

import dev.stride.blas.GemmBackend;
import dev.stride.tensor.Shape;
import dev.stride.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.lang.foreign.Arena;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The zoo against torchvision: the parameter counts of its definitions (1000 classes, 3x224x224,
 * as {@code sum(p.numel() for p in model.parameters())} gives them), the names of the first and
 * last parameters as its {@code state_dict} has them, and the output shape of one image.
 */
class ModelZooTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource({
            "alexnet, 61100840, features.0.weight, classifier.6.bias",
            "vgg11, 132863336, features.0.weight, classifier.6.bias",
            "vgg16, 138357544, features.0.weight, classifier.6.bias",
    })
    void parameterCountsAndNamesAreTorchvisions(Models.Name name, long count, String first, String last) {
        try (Arena arena = Arena.ofConfined()) {
            Layer model = Models.byName(name, 1000, 3, GemmBackend.java());
            int[] in = name.inputShape();
            model.build(Shape.of(1, in[0], in[1], in[2]), arena, BuildOptions.inference().withThreads(1));
            assertEquals(count, model.parameterCount());
            assertEquals(first, model.parameters().getFirst().name());
            assertEquals(last, model.parameters().getLast().name());
            assertEquals(Shape.of(1, 1000), model.outputShape());
            assertTrue(model.summary().contains("total parameters: " + String.format(java.util.Locale.ROOT, "%,d", count)));
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"lenet5, 28", "vgg_small, 32", "alexnet, 224"})
    void classesAndChannelsAreTheCallersToChoose(Models.Name name, int size) {
        try (Arena arena = Arena.ofConfined()) {
            Layer model = Models.byName(name, 7, 2, GemmBackend.java());
            model.build(Shape.of(1, 2, size, size), arena, BuildOptions.inference().withThreads(1));
            Tensor y = model.forward(Tensor.zeros(arena, 1, 2, size, size));
            assertEquals(Shape.of(1, 7), y.shape());
        }
    }
}
