package dev.stride.infer;

import dev.stride.data.ImageDecoder;
import dev.stride.data.MnistStyle;
import dev.stride.data.Normalization;
import dev.stride.data.U8Image;

import java.awt.image.BufferedImage;

/** How a picture becomes a model's input sample (C, H, W), before the model's normalisation. */
public enum ImagePreparation {
    /**
     * As MNIST's digits were made ({@link MnistStyle}): light ink on black, the ink centred and
     * scaled to fit; grey, square models only. {@code stride train} models of MNIST use it.
     */
    MNIST_STYLE,
    /** Grey (ITU-R 601 luma) or RGB, bilinearly resized to H x W ({@link ImageDecoder}). */
    RESIZE;

    /**
     * The normalised sample, (C, H, W) floats.
     *
     * @throws IllegalArgumentException when the input does not take 1 or 3 channels (or, for
     *                                  {@link #MNIST_STYLE}, 1 channel and a square)
     * @param image the picture, any size and colour model
     * @param norm the model's input normalisation
     * @param channels the model's input channels, 1 or 3
     * @param height the model's input height
     * @param width the model's input width
     * @return {@code channels * height * width} floats
     */
    public float[] prepare(BufferedImage image, Normalization norm, int channels, int height, int width) {
        check(channels, height, width);
        if (this == MNIST_STYLE) {
            return normalise(MnistStyle.pixels(image, height), norm);
        }
        return normalise(ImageDecoder.resized(ImageDecoder.of(image, channels), height, width), norm);
    }

    /** Refuses an input shape this preparation cannot make. */
    void check(int channels, int height, int width) {
        if (this == MNIST_STYLE && (channels != 1 || height != width)) {
            throw new IllegalArgumentException("MNIST_STYLE makes square grey (1xHxH) images, but the model takes "
                    + channels + "x" + height + "x" + width + "; use RESIZE");
        }
        if (channels != 1 && channels != 3) {
            throw new IllegalArgumentException("images become grey (1xHxW) or RGB (3xHxW) inputs, but the model takes "
                    + channels + "x" + height + "x" + width + "; give it float inputs instead");
        }
    }

    /**
     * Grey levels 0..255 to the model's input scale, with the training set's statistics.
     *
     * @param pixels grey levels, 0 to 255
     * @param norm the model's input normalisation (its first channel is used)
     * @return one float per pixel
     */
    public static float[] normalise(int[] pixels, Normalization norm) {
        float[] x = new float[pixels.length];
        for (int i = 0; i < x.length; i++) {
            x[i] = norm.apply(0, pixels[i]);
        }
        return x;
    }

    /**
     * A decoded image's bytes to the model's input scale, channel by channel.
     *
     * @param img the decoded image
     * @param norm the model's input normalisation, one mean and deviation per channel
     * @return one float per byte, (C, H, W)
     */
    public static float[] normalise(U8Image img, Normalization norm) {
        byte[] px = img.pixels();
        int plane = img.height() * img.width();
        float[] x = new float[px.length];
        for (int i = 0; i < x.length; i++) {
            x[i] = norm.apply(i / plane, Byte.toUnsignedInt(px[i]));
        }
        return x;
    }
}
