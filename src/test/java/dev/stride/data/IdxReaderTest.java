package dev.stride.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;

import static dev.stride.data.IdxTestFiles.*;
import static org.junit.jupiter.api.Assertions.*;

class IdxReaderTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void imagesAndLabelsRoundTripRawAndGzip(boolean gz) throws IOException {
        byte[] img = images(3, 4, 5);
        byte[] lab = labels(7, 0, 9);
        Path imgFile = write(dir, "img", gz ? gzip(img) : img);
        Path labFile = write(dir, "lab", gz ? gzip(lab) : lab);
        assertEquals(gz, IdxReader.isGzip(imgFile));

        IdxImages images = IdxReader.readImages(imgFile);
        assertEquals(3, images.count());
        assertEquals(4, images.rows());
        assertEquals(5, images.cols());
        assertArrayEquals(Arrays.copyOfRange(img, 16, img.length), images.pixels());
        assertArrayEquals(new int[] {7, 0, 9}, IdxReader.readLabels(labFile, 10));
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void truncatedFileNamesFileAndOffset(boolean gz) throws IOException {
        byte[] img = Arrays.copyOf(images(2, 3, 3), 16 + 10); // 18 pixel bytes promised, 10 present
        Path file = write(dir, "short-images", gz ? gzip(img) : img);
        IdxFormatException e = assertThrows(IdxFormatException.class, () -> IdxReader.readImages(file));
        assertEquals(file, e.file());
        assertEquals(26, e.offset());
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("offset 26"), e.getMessage());
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
    }

    @Test
    void truncatedGzipStreamIsAFormatError() throws IOException {
        byte[] gz = gzip(images(50, 10, 10));
        Path file = write(dir, "cut.gz", Arrays.copyOf(gz, gz.length / 2));
        IdxFormatException e = assertThrows(IdxFormatException.class, () -> IdxReader.readImages(file));
        assertTrue(e.getMessage().contains("gzip"), e.getMessage());
        assertTrue(e.offset() > 16, "offset " + e.offset());
    }

    @Test
    void truncatedHeader() throws IOException {
        Path file = write(dir, "stub", Arrays.copyOf(images(1, 2, 2), 9));
        IdxFormatException e = assertThrows(IdxFormatException.class, () -> IdxReader.readImages(file));
        assertEquals(9, e.offset(), "the file ends one byte into the size of dimension 1");
        assertTrue(e.getMessage().contains("dimension 1 from offset 8"), e.getMessage());
    }

    @Test
    void badMagicTypeAndDimensions() throws IOException {
        byte[] notIdx = images(1, 2, 2);
        notIdx[0] = 'P';
        Path a = write(dir, "a", notIdx);
        IdxFormatException e = assertThrows(IdxFormatException.class, () -> IdxReader.readImages(a));
        assertEquals(0, e.offset());
        assertTrue(e.getMessage().contains("expected magic bytes 00 00"), e.getMessage());

        byte[] floats = images(1, 2, 2);
        floats[2] = 0x0d;
        Path b = write(dir, "b", floats);
        e = assertThrows(IdxFormatException.class, () -> IdxReader.readImages(b));
        assertTrue(e.getMessage().contains("found 0x0d"), e.getMessage());

        // A label file passed where images are expected: the classic swapped-arguments mistake.
        Path c = write(dir, "c", labels(1, 2));
        e = assertThrows(IdxFormatException.class, () -> IdxReader.readImages(c));
        assertEquals(3, e.offset());
        assertTrue(e.getMessage().contains("expected 3 dimensions"), e.getMessage());
    }

    @Test
    void zeroSizeAndTrailingBytesAreRejected() throws IOException {
        byte[] zeroRows = images(1, 2, 2);
        zeroRows[11] = 0;
        Path a = write(dir, "a", zeroRows);
        IdxFormatException e = assertThrows(IdxFormatException.class, () -> IdxReader.readImages(a));
        assertEquals(8, e.offset());

        byte[] lab = labels(1, 2);
        Path b = write(dir, "b", Arrays.copyOf(lab, lab.length + 1));
        e = assertThrows(IdxFormatException.class, () -> IdxReader.readLabels(b, 10));
        assertEquals(10, e.offset());
        assertTrue(e.getMessage().contains("end of the file"), e.getMessage());
    }

    @Test
    void labelOutOfRangeNamesItsPosition() throws IOException {
        Path file = write(dir, "lab", labels(3, 1, 10, 2));
        IdxFormatException e = assertThrows(IdxFormatException.class, () -> IdxReader.readLabels(file, 10));
        assertEquals(10, e.offset());
        assertTrue(e.getMessage().contains("label 2"), e.getMessage());
        assertTrue(e.getMessage().contains("found 10"), e.getMessage());
        assertArrayEquals(new int[] {3, 1, 10, 2}, IdxReader.readLabels(file, 11));
    }

    @Test
    void countMismatchNamesBothFiles() throws IOException {
        Path img = write(dir, "imgs", images(3, 2, 2));
        Path lab = write(dir, "labs", labels(1, 2));
        IdxFormatException e = assertThrows(IdxFormatException.class, () -> Dataset.fromIdx(img, lab, 10));
        assertTrue(e.getMessage().contains(img.toString()) && e.getMessage().contains(lab.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("3 images") && e.getMessage().contains("2 labels"), e.getMessage());
    }

    @Test
    void datasetFromIdxKeepsPixelsAndLabels() throws IOException {
        Path img = write(dir, "imgs", gzip(images(3, 4, 5)));
        Path lab = write(dir, "labs", labels(4, 5, 6));
        Dataset d = Dataset.fromIdx(img, lab, 10);
        assertEquals(3, d.count());
        assertEquals(1, d.channels());
        assertEquals(4, d.height());
        assertEquals(5, d.width());
        assertEquals(6, d.label(2));
        assertEquals(pixel(2, 3, 4), d.pixel(2, 0, 3, 4));
        Dataset tail = d.slice(1, 3);
        assertEquals(2, tail.count());
        assertEquals(pixel(1, 2, 1), tail.pixel(0, 0, 2, 1));
        assertEquals(5, tail.label(0));
    }

    // The cases below were found by fuzzing (IdxReaderFuzzTest; docs/reliability.md).

    @Test
    void corruptGzipTrailerIsAFormatError() throws IOException {
        byte[] gz = gzip(images(2, 3, 4));
        gz[gz.length - 8] ^= 1; // the CRC32 of the data, in the trailer after the last data byte
        Path file = write(dir, "bad-trailer.gz", gz);
        IdxFormatException e = assertThrows(IdxFormatException.class, () -> IdxReader.readImages(file));
        assertEquals(file, e.file());
        assertEquals(40, e.offset(), "the trailer follows the 40 bytes of the IDX file");
        assertTrue(e.getMessage().contains("gzip trailer"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(ints = {0x008e1213, 0x40000000})
    void sizesWhoseProductOverflowsAreRefused(int rows) throws IOException {
        // 0x008e1213 x 0x14151617 x 0x0e000000 wraps a long to a negative count, 2^30 x 2^30 x 2^4 to 0.
        byte[] header = java.nio.ByteBuffer.allocate(20).putInt(IdxReader.IMAGES_MAGIC)
                .putInt(rows == 0x40000000 ? 0x10 : 0x14151617).putInt(rows).putInt(rows == 0x40000000 ? rows : 0x0e000000)
                .putInt(0x01020304).array();
        Path file = write(dir, "overflow", header);
        IdxFormatException e = assertThrows(IdxFormatException.class, () -> IdxReader.readImages(file));
        assertEquals(4, e.offset());
        assertTrue(e.getMessage().contains("at most"), e.getMessage());
    }

    @Test
    void aHeaderClaimingMoreThanTheFileHoldsAllocatesNothingLikeIt() throws IOException {
        byte[] img = Arrays.copyOf(images(1, 28, 28), 16 + 10);
        java.nio.ByteBuffer.wrap(img).putInt(4, 60_000); // MNIST's count of training images: 47 MB promised
        Path file = write(dir, "claims-60000", img);
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        assertThrows(IdxFormatException.class, () -> IdxReader.readImages(file)); // loads the classes
        long before = threads.getCurrentThreadAllocatedBytes();
        IdxFormatException e = assertThrows(IdxFormatException.class, () -> IdxReader.readImages(file));
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        assertEquals(26, e.offset(), "where the data stops");
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
        assertTrue(allocated < 200_000, allocated + " bytes allocated for a 26-byte file");
    }
}
