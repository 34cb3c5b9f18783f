package dev.stride.data;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.stride.testing.FuzzInput;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Fuzzes {@link Cifar}'s reader of the binary archives: any bytes read as a CIFAR-10 and a CIFAR-100
 * archive end in an IOException naming the problem, or in records read, and the heap the reader
 * allocates stays within a few times the archive's uncompressed length, whatever its tar headers
 * claim. (A header claiming a 2 GB member made the reader allocate it before finding the archive
 * short; the buffer now grows with the bytes that arrive.)
 */
class CifarFuzzTest {
    private static final Path FILE = FuzzInput.file("fuzz-cifar.tar.gz");
    private static final List<Class<? extends Exception>> DOCUMENTED = List.of(IOException.class);

    static Stream<Arguments> seeds() {
        return FuzzInput.seeds("cifar");
    }

    @MethodSource("seeds")
    @FuzzTest(maxDuration = "20s")
    void readArchives(byte[] input) throws Exception {
        FuzzInput.write(FILE, input);
        // The records, one doubling of a member's buffer on the way, and the streams' buffers.
        long allowed = (1 << 21) + 8 * Math.max(input.length, IdxReaderFuzzTest.uncompressedLength(input));
        FuzzInput.parse(allowed, () -> Cifar.train(FILE, Cifar.Kind.CIFAR10), DOCUMENTED);
        FuzzInput.parse(allowed, () -> Cifar.test(FILE, Cifar.Kind.CIFAR100), DOCUMENTED);
    }

    /** The committed seed is a valid CIFAR-10 archive: a reader that refused it would leave the fuzzer nothing to mutate. */
    @Test
    void theSeedReads() throws IOException {
        for (Path seed : FuzzInput.seedFiles("cifar").filter(p -> p.getFileName().toString().startsWith("ok-")).toList()) {
            assertEquals(5, Cifar.train(seed, Cifar.Kind.CIFAR10).count());
            assertEquals(2, Cifar.test(seed, Cifar.Kind.CIFAR10).count());
        }
    }
}
