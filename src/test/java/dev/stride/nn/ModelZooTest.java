package dev.stride.nn;

import dev.stride.blas.GemmBackend;
import dev.stride.tensor.Shape;
import dev.stride.tensor.Tensor;
import dev.stride.train.Architecture;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The zoo against torchvision: each model's parameter count and its state_dict names, in order,
 * buffers included, as src/test/resources/torchvision holds them (scripts/make-zoo-reference wrote
 * them with torchvision's definitions, 1000 classes; He et al.'s CIFAR ResNets and SE-ResNet-18 with
 * the definitions in scripts/peer/zoo_reference.py, 10 and 1000 classes), and the summary's total.
 */
class ModelZooTest {
    private static final Path REFERENCE = Path.of("src/test/resources/torchvision");

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = Models.Name.class, mode = EnumSource.Mode.EXCLUDE, names = {"lenet5", "vgg_small"})
    void parameterCountsAndStateNamesAreTorchvisions(Models.Name name) throws IOException {
        List<String> lines = Files.readAllLines(REFERENCE.resolve(name + ".txt")).stream().filter(l -> !l.startsWith("#")).toList();
        long count = Long.parseLong(lines.getFirst().split(" ")[1]);
        try (Arena arena = Arena.ofConfined()) {
            Layer model = Models.byName(name, name.defaultClasses(), 3, GemmBackend.java());
            int[] in = name.inputShape();
            model.build(Shape.of(1, in[0], in[1], in[2]), arena, BuildOptions.inference().withThreads(1));
            assertEquals(count, model.parameterCount());
            assertEquals(lines.subList(1, lines.size()), List.copyOf(model.state().keySet()));
            assertEquals(Shape.of(1, name.defaultClasses()), model.outputShape());
            assertTrue(model.summary().contains("total parameters: " + String.format(Locale.ROOT, "%,d", count)));
        }
    }

    /** Every zoo model's tree survives the checkpoint text: encoded, decoded and encoded again, the same. */
    @ParameterizedTest(name = "{0}")
    @EnumSource(Models.Name.class)
    void everyModelsTreeRoundTripsThroughItsText(Models.Name name) {
        String text = Architecture.encode(Models.byName(name, 10, 3, GemmBackend.java()));
        assertEquals(text, Architecture.encode(Architecture.decode(text, GemmBackend.java())));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"lenet5, 28", "vgg_small, 32", "alexnet, 224", "resnet20, 32", "googlenet, 96"})
    void classesAndChannelsAreTheCallersToChoose(Models.Name name, int size) {
        try (Arena arena = Arena.ofConfined()) {
            Layer model = Models.byName(name, 7, 2, GemmBackend.defaultGemm());
            model.build(Shape.of(1, 2, size, size), arena, BuildOptions.inference().withThreads(1));
            Tensor y = model.forward(Tensor.zeros(arena, 1, 2, size, size));
            assertEquals(Shape.of(1, 7), y.shape());
        }
    }
}
