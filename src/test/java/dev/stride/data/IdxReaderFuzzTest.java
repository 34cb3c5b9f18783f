package dev.stride.data;

import org.junit.jupiter.api.Test;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.stride.testing.FuzzInput;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

/**
 * Fuzzes {@link IdxReader}: any bytes, raw or gzip, read as an image file and as a label file, end
 * in an {@link IdxFormatException} or in data read, and the heap the reader allocates stays within
 * a few times the file's (uncompressed) length, whatever its header claims.
 */
class IdxReaderFuzzTest {
    private static final Path FILE = FuzzInput.file("fuzz.idx");
    private static final List<Class<? extends Exception>> DOCUMENTED = List.of(IdxFormatException.class);

    static Stream<Arguments> seeds() {
        return FuzzInput.seeds("idx");
    }

    @MethodSource("seeds")
    @FuzzTest(maxDuration = "20s")
    void readImagesAndLabels(byte[] input) throws Exception {
        FuzzInput.write(FILE, input);
        // The pixels (or the labels' bytes and their ints), one doubling of the buffer on the way,
        // and the streams' 64 KB buffers.
        long allowed = (1 << 18) + 8 * Math.max(input.length, uncompressedLength(input));
        FuzzInput.parse(allowed, () -> IdxReader.readImages(FILE), DOCUMENTED);
        FuzzInput.parse(allowed, () -> IdxReader.readLabels(FILE, 10), DOCUMENTED);
    }

    /** How many bytes a gzip input inflates to before it ends or breaks (0 when it is not gzip). */
    static long uncompressedLength(byte[] input) {
        if (input.length < 2 || (input[0] & 0xff) != 0x1f || (input[1] & 0xff) != 0x8b) {
            return 0;
        }
        long n = 0;
        byte[] buf = new byte[1 << 16];
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(input))) {
            for (int r; (r = in.read(buf)) > 0; ) {
                n += r;
            }
        } catch (IOException e) {
            // A broken stream: the reader sees the bytes before the break, and so do we.
        }
        return n;
    }

    /** The generated seeds are valid files: a reader that refused them would leave the fuzzer nothing to mutate. */
    @Test
    void everyOkSeedReads() throws Exception {
        for (Path seed : FuzzInput.seedFiles("idx").filter(p -> p.getFileName().toString().startsWith("ok-")).toList()) {
            if (seed.getFileName().toString().contains("labels")) {
                IdxReader.readLabels(seed, 10);
            } else {
                IdxReader.readImages(seed);
            }
        }
    }
}
