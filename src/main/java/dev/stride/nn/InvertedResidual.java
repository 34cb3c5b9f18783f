package dev.stride.nn;

import dev.stride.blas.Gemm;

import java.util.ArrayList;
import java.util.List;

/**
 * MobileNetV2's inverted residual as torchvision defines it: a child {@code conv} running a 1x1
 * expansion to t times the channels (conv - BN - ReLU6; left out for t = 1), a 3x3 depthwise
 * convolution at the stride (conv - BN - ReLU6), and a linear 1x1 projection (conv - BN, no
 * activation); the input is added when the stride is 1 and the channels stay, with no ReLU after.
 */
public final class InvertedResidual extends ResidualBlock {
    private final int in;
    private final int out;
    private final int stride;
    private final int expansion;

    /**
     * An inverted residual block.
     *
     * @param in input channels
     * @param out output channels
     * @param stride the depthwise convolution's stride
     * @param expansion t, the expansion factor
     * @param gemm the backend for the convolutions
     */
    public InvertedResidual(int in, int out, int stride, int expansion, Gemm gemm) {
        this.in = in;
        this.out = out;
        this.stride = stride;
        this.expansion = expansion;
        int hidden = in * expansion;
        List<Layer> layers = new ArrayList<>();
        if (expansion != 1) {
            layers.add(convBnRelu6(in, hidden, 1, 1, 1, gemm));
        }
        layers.add(convBnRelu6(hidden, hidden, 3, stride, hidden, gemm));
        layers.add(new Conv2d(Conv2dSpec.of(hidden, out, 1, 1, 0).withBias(false), gemm));
        layers.add(new BatchNorm2d(out));
        Layer conv = addChild("conv", new Sequential(layers));
        if (stride == 1 && in == out) {
            paths(List.of(conv), null, false);
        } else {
            mainPathOnly(List.of(conv));
        }
    }

    /** torchvision's Conv2dNormActivation with ReLU6: conv (no bias, padding (k-1)/2, flooring) - BN - ReLU6. */
    static Sequential convBnRelu6(int in, int out, int kernel, int stride, int groups, Gemm gemm) {
        Conv2dSpec spec = Conv2dSpec.of(in, out, kernel, stride, (kernel - 1) / 2).withBias(false).withFloor(true).withGroups(groups);
        return new Sequential(new Conv2d(spec, gemm), new BatchNorm2d(out), new Relu6());
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
     * Output channels.
     *
     * @return the count
     */
    public int outChannels() {
        return out;
    }

    /**
     * The depthwise convolution's stride.
     *
     * @return the stride
     */
    public int stride() {
        return stride;
    }

    /**
     * The expansion factor.
     *
     * @return t
     */
    public int expansion() {
        return expansion;
    }

    @Override
    public String describe() {
        return "InvertedResidual(" + in + "->" + in * expansion + "->" + out + ", stride " + stride + ")";
    }
}
