package dev.stride.onnx;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.stride.blas.GemmBackend;
import dev.stride.testing.FuzzInput;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * Fuzzes {@link OnnxReader} and, on what it reads, {@link OnnxImporter}: any bytes end in an
 * {@link OnnxFormatException}, an {@link OnnxImportException} or an imported model, and the heap
 * they allocate stays within a bound set by the file's length, whatever its length fields claim.
 */
class OnnxReaderFuzzTest {
    private static final Path FILE = FuzzInput.file("fuzz.onnx");
    private static final List<Class<? extends Exception>> DOCUMENTED = List.of(OnnxFormatException.class, OnnxImportException.class);

    static Stream<Arguments> seeds() {
        return FuzzInput.seeds("onnx");
    }

    @MethodSource("seeds")
    @FuzzTest(maxDuration = "20s")
    void readAndImport(byte[] input) throws Exception {
        FuzzInput.write(FILE, input);
        // The file's bytes; a packed run of one-byte varints becomes 8-byte longs, grown by doubling
        // and copied once; a FLOAT weight may be copied once more (transposed) by the importer.
        long allowed = (1 << 20) + 64L * input.length;
        FuzzInput.parse(allowed, () -> OnnxImporter.read(FILE, GemmBackend.java()), DOCUMENTED);
    }

    /** The seeds named ok- are real exports that read: a reader that refused them would leave the fuzzer nothing to mutate. */
    @Test
    void everyOkSeedReads() throws Exception {
        for (Path seed : FuzzInput.seedFiles("onnx").filter(p -> p.getFileName().toString().startsWith("ok-")).toList()) {
            OnnxReader.read(seed);
        }
    }
}
