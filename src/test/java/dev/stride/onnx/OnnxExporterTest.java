package dev.stride.onnx;

import dev.stride.blas.GemmBackend;
import dev.stride.data.Normalization;
import dev.stride.nn.BuildOptions;
import dev.stride.nn.Layer;
import dev.stride.nn.Models;
import dev.stride.tensor.Shape;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What the exporter promises besides the numbers: the same bytes every time, from any thread, and whole files. */
class OnnxExporterTest {

    /** Export only reads the model, so threads exporting one model at once get the bytes one thread gets. */
    @Test
    void exportsAreDeterministicAndMayRunConcurrently() throws Exception {
        try (Arena arena = Arena.ofShared()) {
            Layer model = Models.byName(Models.Name.resnet20, 10, 3, GemmBackend.defaultGemm());
            model.build(Shape.of(1, 3, 32, 32), arena, BuildOptions.inference().withThreads(1));
            OnnxParity.randomise(model, 3);
            Normalization norm = Normalization.identity(3);
            byte[] once = OnnxExporter.export(model, norm, Map.of(), OnnxExportOptions.defaults()).bytes();
            try (ExecutorService pool = Executors.newFixedThreadPool(4)) {
                var futures = Stream.generate(() -> pool.submit(
                        () -> OnnxExporter.export(model, norm, Map.of(), OnnxExportOptions.defaults()).bytes())).limit(4).toList();
                for (Future<byte[]> f : futures) {
                    assertArrayEquals(once, f.get());
                }
            }
            byte[] folded = OnnxExporter.export(model, norm, Map.of(), OnnxExportOptions.defaults().withFoldBatchNorm(true)).bytes();
            assertNotEquals(once.length, folded.length);
        }
    }

    @Test
    void refusesAModelThatIsNotBuilt() {
        Layer model = Models.lenet5();
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> OnnxExporter.export(model, Normalization.identity(1), Map.of(), OnnxExportOptions.defaults()));
        assertTrue(e.getMessage().contains("not built yet"), e.getMessage());
    }

    @Test
    void writeReplacesTheFileAndLeavesNothingElse(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("m.onnx");
        Files.writeString(file, "old");
        new OnnxExport(new byte[] {1, 2, 3}, List.of("Relu")).write(file);
        assertArrayEquals(new byte[] {1, 2, 3}, Files.readAllBytes(file));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(1, files.count());
        }
    }
}
