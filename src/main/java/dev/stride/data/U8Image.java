package dev.stride.data;

/**
 * One image of unsigned bytes in CHW order, as the transforms pass it along.
 *
 * @param pixels (channels, height, width) unsigned bytes
 * @param channels the channels
 * @param height the rows
 * @param width the columns
 */
public record U8Image(byte[] pixels, int channels, int height, int width) {
    /**
     * Checks that the pixels fit the sizes.
     *
     * @throws IllegalArgumentException when a size is below 1 or the array's length is not their product
     */
    public U8Image {
        if (channels < 1 || height < 1 || width < 1 || pixels.length != channels * height * width) {
            throw new IllegalArgumentException(pixels.length + " bytes do not hold a " + channels + "x" + height + "x" + width + " image");
        }
    }

    /**
     * Pixel 0..255 at (c, y, x).
     *
     * @param c the channel
     * @param y the row
     * @param x the column
     * @return the pixel value
     */
    public int get(int c, int y, int x) {
        return Byte.toUnsignedInt(pixels[(c * height + y) * width + x]);
    }
}
