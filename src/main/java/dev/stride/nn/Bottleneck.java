package dev.stride.nn;

import dev.stride.blas.Gemm;

import java.util.List;

/**
 * ResNet's bottleneck block as torchvision (v1.5) defines it: conv 1x1 - BN - ReLU - conv 3x3 at
 * the stride - BN - ReLU - conv 1x1 to 4x the width - BN, plus the shortcut (the identity, or
 * {@code downsample}: conv 1x1 at the stride and BN), then ReLU. The stride on the 3x3
 * convolution, not the first 1x1, is what distinguishes v1.5 from the paper.
 */
public final class Bottleneck extends ResidualBlock {
    /** Output channels per unit of width. */
    public static final int EXPANSION = 4;

    private final int in;
    private final int width;
    private final int stride;

    /**
     * A bottleneck block.
     *
     * @param in input channels
     * @param width the inner width; the output has {@link #EXPANSION} times as many channels
     * @param stride the 3x3 convolution's stride
     * @param gemm the backend for the convolutions
     */
    public Bottleneck(int in, int width, int stride, Gemm gemm) {
        this.in = in;
        this.width = width;
        this.stride = stride;
        int out = width * EXPANSION;
        Layer conv1 = addChild("conv1", ResNets.conv(in, width, 1, 1, gemm));
        Layer bn1 = addChild("bn1", new BatchNorm2d(width));
        Layer relu1 = addChild("relu1", new Relu());
        Layer conv2 = addChild("conv2", ResNets.conv(width, width, 3, stride, gemm));
        Layer bn2 = addChild("bn2", new BatchNorm2d(width));
        Layer relu2 = addChild("relu2", new Relu());
        Layer conv3 = addChild("conv3", ResNets.conv(width, out, 1, 1, gemm));
        Layer bn3 = addChild("bn3", new BatchNorm2d(out));
        Layer shortcut = stride != 1 || in != out ? addChild("downsample", ResNets.projection(in, out, stride, gemm)) : null;
        paths(List.of(conv1, bn1, relu1, conv2, bn2, relu2, conv3, bn3), shortcut, true);
    }

    /**
     * Input channels.
     *
     * @return the count
     */
    public int inChannels() {
        return in;
    }

    /**
     * The inner width.
     *
     * @return the width
     */
    public int width() {
        return width;
    }

    /**
     * The 3x3 convolution's stride.
     *
     * @return the stride
     */
    public int stride() {
        return stride;
    }

    BatchNorm2d lastNorm() {
        return (BatchNorm2d) children().get("bn3");
    }

    @Override
    public String describe() {
        return "Bottleneck(" + in + "->" + width + "->" + width * EXPANSION + ", stride " + stride + ")";
    }
}
