package dev.stride.cli;

import org.junit.jupiter.api.Test;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.stride.testing.FuzzInput;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Fuzzes the image input of {@code stride predict} ({@link ImageInput#mnistPixels}, through
 * ImageIO's PNG, JPEG, GIF and BMP readers): any bytes end in an {@link IOException} naming the
 * file or in 28x28 grey levels, with heap in proportion to the pixels the image declares.
 *
 * <p>Found here: 63 bytes of GIF that declare a 16384x8456 frame cost 700 MB of heap and 25 s.
 * ImageInput now reads the size from the header and refuses more than {@link ImageInput#MAX_PIXELS}
 * before decoding: such inputs must end in that IOException within the small budget. Inputs that
 * declare between {@link #OPEN_PIXEL_CAP} and that cap are decodable but take seconds each, so the
 * fuzzer leaves them out to keep finding everything else in its time.
 */
class ImageInputFuzzTest {
    static final long OPEN_PIXEL_CAP = 4L << 20;
    private static final Path FILE = FuzzInput.file("fuzz.img");
    private static final List<Class<? extends Exception>> DOCUMENTED = List.of(IOException.class);

    static Stream<Arguments> seeds() {
        return FuzzInput.seeds("image");
    }

    @MethodSource("seeds")
    @FuzzTest(maxDuration = "20s")
    void mnistPixels(byte[] input) throws Exception {
        FuzzInput.write(FILE, input);
        long declared = declaredPixels(FILE);
        if (declared > ImageInput.MAX_PIXELS) {
            FuzzInput.parse(8 << 20, () -> ImageInput.mnistPixels(FILE, 28), DOCUMENTED);
            return;
        }
        if (declared > OPEN_PIXEL_CAP) {
            return;
        }
        // The decoded image, its grey levels as ints, the ink image and the 28x28 canvas, and the
        // readers' own tables and metadata (a JPEG reader's come to over a megabyte). A JPEG of
        // three components took 35 bytes a declared pixel (28263x112: 110.9 MB; a CI run's
        // fuzzing found it, now a seed): still in proportion, so the allowance is 48 a pixel.
        FuzzInput.parse((8 << 20) + 48 * declared, () -> {
            int[] pixels = ImageInput.mnistPixels(FILE, 28);
            if (pixels.length != 28 * 28) {
                throw new AssertionError(pixels.length + " pixels");
            }
            for (int p : pixels) {
                if (p < 0 || p > 255) {
                    throw new AssertionError("grey level " + p);
                }
            }
        }, DOCUMENTED);
    }

    /**
     * Width times height of the first image, as its header declares them (ImageIO reads no pixels
     * for this); 0 when no reader takes the file or the header is broken, which ImageInput must
     * then report itself.
     */
    static long declaredPixels(Path file) {
        try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
            Iterator<ImageReader> readers = in == null ? null : ImageIO.getImageReaders(in);
            if (readers == null || !readers.hasNext()) {
                return 0;
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                // A BMP stored top-down declares a negative height, and a corrupt one anything.
                return Math.abs((long) reader.getWidth(0)) * Math.abs((long) reader.getHeight(0));
            } finally {
                reader.dispose();
            }
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    /** The generated seeds are valid images of every format the readers take, and small. */
    @Test
    void everyOkSeedReads() throws Exception {
        for (Path seed : FuzzInput.seedFiles("image").filter(p -> p.getFileName().toString().startsWith("ok-")).toList()) {
            if (ImageInput.mnistPixels(seed, 28).length != 28 * 28 || declaredPixels(seed) > 200) {
                throw new AssertionError(seed.toString());
            }
        }
    }
}
