package dev.stride.nn;

import dev.stride.blas.Gemm;

import java.util.List;

/**
 * The basic block of He et al.'s CIFAR ResNets (2016, section 4.2): as {@link BasicBlock}, but where
 * the stride or the channels change the shortcut is parameter-free ("option A": every other pixel,
 * zero channels added, {@link ChannelPadShortcut}), which keeps ResNet-20 at 0.27M parameters.
 */
public final class CifarBlock extends ResidualBlock {
    private final int in;
    private final int out;
    private final int stride;

    public CifarBlock(int in, int out, int stride, Gemm gemm) {
        this.in = in;
        this.out = out;
        this.stride = stride;
        Layer conv1 = addChild("conv1", ResNets.conv(in, out, 3, stride, gemm));
        Layer bn1 = addChild("bn1", new BatchNorm2d(out));
        Layer relu = addChild("relu", new Relu());
        Layer conv2 = addChild("conv2", ResNets.conv(out, out, 3, 1, gemm));
        Layer bn2 = addChild("bn2", new BatchNorm2d(out));
        Layer shortcut = stride != 1 || in != out ? addChild("shortcut", new ChannelPadShortcut(stride, out)) : null;
        paths(List.of(conv1, bn1, relu, conv2, bn2), shortcut, true);
    }

    public int inChannels() {
        return in;
    }

    public int outChannels() {
        return out;
    }

    public int stride() {
        return stride;
    }

    BatchNorm2d lastNorm() {
        return (BatchNorm2d) children().get("bn2");
    }

    @Override
    public String describe() {
        return "CifarBlock(" + in + "->" + out + ", stride " + stride + ")";
    }
}
