package dev.stride.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import org.junit.jupiter.api.Test;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.stride.blas.GemmBackend;
import dev.stride.testing.FuzzInput;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.CRC32;

/**
 * Fuzzes {@link CheckpointFile#read} and the reading of the model's tree that follows it
 * ({@code ModelCheckpoint.load}'s first step), for format 1 (a flat layer list) and format 2 (the
 * tree): any bytes end in a {@link CheckpointException} or in a checkpoint, and the reader's heap
 * stays within a few times the file's length.
 *
 * <p>Each input is read twice: as it is, which mostly exercises the checks before the checksum, and
 * sealed (magic, recorded length and CRC32 made right), so that the parser of the body, which only
 * runs once the checksum has passed, sees the fuzzer's bytes too.
 */
class CheckpointFileFuzzTest {
    private static final Path FILE = FuzzInput.file("fuzz.stride");
    private static final List<Class<? extends Exception>> DOCUMENTED = List.of(CheckpointException.class);

    static Stream<Arguments> seeds() {
        return FuzzInput.seeds("checkpoint");
    }

    @MethodSource("seeds")
    @FuzzTest(maxDuration = "20s")
    void readAndDecode(byte[] input) throws Exception {
        readAndDecodeFile(input);
        readAndDecodeFile(sealed(input));
    }

    private static void readAndDecodeFile(byte[] bytes) throws Exception {
        FuzzInput.write(FILE, bytes);
        // The values as floats, the strings as bytes and as UTF-16, the tree's layers: a few times
        // the file, whatever its length fields say.
        FuzzInput.parse((1 << 18) + 16L * bytes.length, () -> decode(CheckpointFile.read(FILE)), DOCUMENTED);
    }

    /** What {@code ModelCheckpoint.load} does with the architecture, up to building the model. */
    static void decode(Checkpoint c) throws CheckpointException {
        try {
            if (c.formatVersion() == 1) {
                Architecture.decodeFlat(c.architecture(), GemmBackend.java());
            } else {
                Architecture.decode(c.architecture(), GemmBackend.java());
            }
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(c.file(), "its model cannot be rebuilt: " + e.getMessage());
        }
    }

    /** The input with the magic, the recorded length and the CRC32 a writer would have given it. */
    static byte[] sealed(byte[] input) {
        int n = Math.max(input.length, CheckpointFile.FIXED_HEADER_BYTES + CheckpointFile.CRC_BYTES);
        ByteBuffer b = ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN).put(input);
        b.put(0, CheckpointFile.MAGIC).putLong(12, n);
        CRC32 crc = new CRC32();
        crc.update(b.array(), 0, n - CheckpointFile.CRC_BYTES);
        b.putInt(n - CheckpointFile.CRC_BYTES, (int) crc.getValue());
        return b.array();
    }

    /** The generated seeds are valid checkpoints, one of each format, whose trees decode. */
    @Test
    void everyOkSeedReadsAndDecodes() throws Exception {
        List<Integer> versions = new java.util.ArrayList<>();
        for (Path seed : FuzzInput.seedFiles("checkpoint").filter(p -> p.getFileName().toString().startsWith("ok-")).toList()) {
            Checkpoint c = CheckpointFile.read(seed);
            decode(c);
            versions.add(c.formatVersion());
        }
        assertEquals(List.of(1, 2), versions.stream().sorted().toList());
    }
}
