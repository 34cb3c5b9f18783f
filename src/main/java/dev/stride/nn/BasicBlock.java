package dev.stride.nn;

import dev.stride.blas.Gemm;

import java.util.ArrayList;
import java.util.List;

/**
 * ResNet's basic block as torchvision defines it: conv 3x3 (stride, no bias) - BN - ReLU - conv 3x3
 * (no bias) - BN, plus the shortcut (the identity, or {@code downsample}: conv 1x1 at the stride
 * and BN), then ReLU. With squeeze-and-excitation (SE-ResNet, Hu et al. 2018) an {@code se} block
 * scales the main path's channels before the sum. He et al.'s CIFAR ResNets ({@link #cifar}) take
 * a parameter-free {@code shortcut} instead of the projection ("option A", section 4.2: every
 * other pixel, zero channels added, {@link ChannelPadShortcut}), which keeps ResNet-20 at 0.27M
 * parameters.
 */
public final class BasicBlock extends ResidualBlock {
    private final int in;
    private final int out;
    private final int stride;
    private final int seHidden;
    private final boolean padShortcut;

    /**
     * A plain block; a projection shortcut where the stride or the channels change.
     *
     * @param in input channels
     * @param out output channels
     * @param stride the first convolution's stride
     * @param gemm the backend for the convolutions
     */
    public BasicBlock(int in, int out, int stride, Gemm gemm) {
        this(in, out, stride, 0, false, gemm);
    }

    /**
     * With an SE block of {@code seHidden} hidden units after the second BN; 0 for none.
     *
     * @param in input channels
     * @param out output channels
     * @param stride the first convolution's stride
     * @param seHidden the SE block's hidden units, or 0
     * @param gemm the backend for the convolutions
     */
    public BasicBlock(int in, int out, int stride, int seHidden, Gemm gemm) {
        this(in, out, stride, seHidden, false, gemm);
    }

    /**
     * He et al.'s CIFAR block: a parameter-free shortcut where the stride or the channels change.
     *
     * @param in input channels
     * @param out output channels
     * @param stride the first convolution's stride
     * @param gemm the backend for the convolutions
     * @return the block
     */
    public static BasicBlock cifar(int in, int out, int stride, Gemm gemm) {
        return new BasicBlock(in, out, stride, 0, true, gemm);
    }

    /**
     * The general form: {@code padShortcut} picks option A over the projection.
     *
     * @param in input channels
     * @param out output channels
     * @param stride the first convolution's stride
     * @param seHidden the SE block's hidden units, or 0
     * @param padShortcut true for the parameter-free shortcut, false for a 1x1 projection
     * @param gemm the backend for the convolutions
     */
    public BasicBlock(int in, int out, int stride, int seHidden, boolean padShortcut, Gemm gemm) {
        this.in = in;
        this.out = out;
        this.stride = stride;
        this.seHidden = seHidden;
        this.padShortcut = padShortcut;
        List<Layer> main = new ArrayList<>();
        main.add(addChild("conv1", ResNets.conv(in, out, 3, stride, gemm)));
        main.add(addChild("bn1", new BatchNorm2d(out)));
        main.add(addChild("relu", new Relu()));
        main.add(addChild("conv2", ResNets.conv(out, out, 3, 1, gemm)));
        main.add(addChild("bn2", new BatchNorm2d(out)));
        if (seHidden > 0) {
            main.add(addChild("se", new SqueezeExcitation(out, seHidden, gemm)));
        }
        Layer shortcut = stride == 1 && in == out ? null
                : padShortcut ? addChild("shortcut", new ChannelPadShortcut(stride, out))
                : addChild("downsample", ResNets.projection(in, out, stride, gemm));
        paths(main, shortcut, true);
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
     * The first convolution's stride.
     *
     * @return the stride
     */
    public int stride() {
        return stride;
    }

    /**
     * The SE block's hidden units.
     *
     * @return the count, 0 without an SE block
     */
    public int seHidden() {
        return seHidden;
    }

    /**
     * Whether a change of stride or channels takes the parameter-free shortcut (option A).
     *
     * @return true for option A
     */
    public boolean padShortcut() {
        return padShortcut;
    }

    /** The last BN of the main path, which zero-init-residual sets to zero. */
    BatchNorm2d lastNorm() {
        return (BatchNorm2d) children().get("bn2");
    }

    @Override
    public String describe() {
        return "BasicBlock(" + in + "->" + out + ", stride " + stride + (seHidden > 0 ? ", SE " + seHidden : "")
                + (padShortcut ? ", option A" : "") + ")";
    }
}
