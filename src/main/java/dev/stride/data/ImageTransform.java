package dev.stride.data;

import java.util.SplittableRandom;

/**
 * One step of the image pipeline the {@link DataLoader} runs on each item before normalisation:
 * resize, crop, flip (see {@link Transforms}). A transform draws its randomness only from the
 * generator it is given, which the loader seeds from the run's seed, the epoch and the item's
 * position in it, so results do not depend on which thread decoded what.
 */
public interface ImageTransform {
    /**
     * The output's {height, width} for an input of {@code height x width}.
     *
     * @param height the input's rows
     * @param width the input's columns
     * @return the output's rows and columns
     */
    int[] outputSize(int height, int width);

    /**
     * The transformed image; {@code in} may be returned unchanged, and is never modified.
     *
     * @param in the image
     * @param random the generator for random transforms, seeded per image by the loader
     * @return the transformed image
     */
    U8Image apply(U8Image in, SplittableRandom random);
}
