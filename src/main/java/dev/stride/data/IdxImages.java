package dev.stride.data;

/**
 * Images read from an IDX file: {@code count} grey-scale images of {@code rows x cols} unsigned
 * bytes, stored image after image, row-major.
 *
 * <p>The pixel array is shared, not copied: MNIST's training images are 47 MB and the data set
 * built from them takes the array over.
 *
 * @param pixels (count, rows, cols) unsigned bytes
 * @param count the number of images
 * @param rows rows per image
 * @param cols columns per image
 */
public record IdxImages(byte[] pixels, int count, int rows, int cols) {
    /**
     * Checks that the pixels fit the sizes.
     *
     * @throws IllegalArgumentException when a size is below 1 or the array's length is not their product
     */
    public IdxImages {
        if (count < 1 || rows < 1 || cols < 1 || pixels.length != (long) count * rows * cols) {
            throw new IllegalArgumentException("IDX images: " + pixels.length + " pixel bytes do not hold "
                    + count + " images of " + rows + "x" + cols);
        }
    }
}
