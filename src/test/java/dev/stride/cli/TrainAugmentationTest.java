package dev.stride.cli;

import dev.stride.data.ImageTransform;
import dev.stride.data.Transforms;
import dev.stride.data.U8Image;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which transforms {@code train} applies for --augment and --flip, on grey and colour data. */
class TrainAugmentationTest {

    /** A 1x2x3 grey image whose rows read 1 2 3 and 4 5 6. */
    private static U8Image grey() {
        return new U8Image(new byte[] {1, 2, 3, 4, 5, 6}, 1, 2, 3);
    }

    @Test
    void greyDataIsNotTransformedWithoutFlip() {
        assertEquals(List.of(), TrainCommand.augmentation(1, 28, 28, false, false));
        // --augment is colour data's crop and flip; grey data has --shift for that.
        assertEquals(List.of(), TrainCommand.augmentation(1, 28, 28, true, false));
    }

    @Test
    void flipMirrorsGreyImagesAboutHalfTheTime() {
        List<ImageTransform> pipeline = TrainCommand.augmentation(1, 2, 3, false, true);
        SplittableRandom random = new SplittableRandom(7);
        int mirrored = 0;
        int kept = 0;
        for (int i = 0; i < 1000; i++) {
            byte[] out = Transforms.apply(pipeline, grey(), random).pixels();
            if (out[0] == 3) {
                assertArrayEquals(new byte[] {3, 2, 1, 6, 5, 4}, out);
                mirrored++;
            } else {
                assertArrayEquals(grey().pixels(), out);
                kept++;
            }
        }
        assertTrue(mirrored > 400 && kept > 400, "mirrored " + mirrored + " of 1000");
    }

    @Test
    void colourAugmentKeepsTheImageSizeAndFlipDoesNotAddASecondFlip() {
        List<ImageTransform> augment = TrainCommand.augmentation(3, 32, 32, true, false);
        assertEquals(2, augment.size());
        assertArrayEquals(new int[] {32, 32}, Transforms.outputSize(augment, 32, 32));
        assertEquals(2, TrainCommand.augmentation(3, 32, 32, true, true).size());
        assertEquals(1, TrainCommand.augmentation(3, 32, 32, false, true).size());
    }
}
