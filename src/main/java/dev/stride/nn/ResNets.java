package dev.stride.nn;

import dev.stride.blas.Gemm;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.SequencedMap;

/**
 * ResNets: torchvision's ImageNet ones (children {@code conv1, bn1, relu, maxpool, layer1..layer4,
 * avgpool, fc}, plus the flatten torchvision does in its forward), SE-ResNet-18 (Hu et al.: an SE
 * block of reduction 16 in every basic block), and He et al.'s CIFAR ResNets of 6n+2 layers
 * (ResNet-20, ResNet-56). Convolutions have no bias (batch norm follows) and floor their output
 * size, as PyTorch's do.
 */
public final class ResNets {
    /** SE-ResNet's reduction: hidden units are channels / 16. */
    public static final int SE_REDUCTION = 16;

    private ResNets() {
    }

    static Sequential resnet(boolean bottleneck, int[] blocks, int seReduction, int classes, int channels, Gemm gemm) {
        SequencedMap<String, Layer> top = new LinkedHashMap<>();
        top.put("conv1", new Conv2d(Conv2dSpec.of(channels, 64, 7, 2, 3).withBias(false).withFloor(true), gemm));
        top.put("bn1", new BatchNorm2d(64));
        top.put("relu", new Relu());
        top.put("maxpool", new MaxPool2d(PoolSpec.of(3, 2).withPadding(1).withFloor(true)));
        int in = 64;
        int[] widths = {64, 128, 256, 512};
        for (int stage = 0; stage < 4; stage++) {
            List<Layer> layer = new ArrayList<>();
            for (int b = 0; b < blocks[stage]; b++) {
                int stride = stage > 0 && b == 0 ? 2 : 1;
                int w = widths[stage];
                if (bottleneck) {
                    layer.add(new Bottleneck(in, w, stride, gemm));
                    in = w * Bottleneck.EXPANSION;
                } else {
                    layer.add(new BasicBlock(in, w, stride, seReduction > 0 ? Math.max(1, w / seReduction) : 0, gemm));
                    in = w;
                }
            }
            top.put("layer" + (stage + 1), new Sequential(layer));
        }
        top.put("avgpool", new AdaptiveAvgPool2d(1, 1));
        top.put("flatten", new Flatten());
        top.put("fc", new Linear(in, classes, true, gemm));
        return Sequential.of(top);
    }

    /** He et al.'s CIFAR ResNet of 6n+2 layers: 3x3 conv to 16 channels, three stages of n blocks at 16, 32, 64. */
    static Sequential cifar(int n, int classes, int channels, Gemm gemm) {
        SequencedMap<String, Layer> top = new LinkedHashMap<>();
        top.put("conv1", conv(channels, 16, 3, 1, gemm));
        top.put("bn1", new BatchNorm2d(16));
        top.put("relu", new Relu());
        int in = 16;
        for (int stage = 0; stage < 3; stage++) {
            int w = 16 << stage;
            List<Layer> layer = new ArrayList<>();
            for (int b = 0; b < n; b++) {
                layer.add(BasicBlock.cifar(in, w, stage > 0 && b == 0 ? 2 : 1, gemm));
                in = w;
            }
            top.put("layer" + (stage + 1), new Sequential(layer));
        }
        top.put("avgpool", new AdaptiveAvgPool2d(1, 1));
        top.put("flatten", new Flatten());
        top.put("fc", new Linear(in, classes, true, gemm));
        return Sequential.of(top);
    }

    /**
     * Sets the last BN scale of every residual block to zero (Goyal et al.; torchvision's
     * {@code zero_init_residual}), so each block starts as the identity. Call it after {@link Init}.
     *
     * @param model a ResNet, or any model whose residual blocks should start as the identity
     */
    public static void zeroInitResiduals(Layer model) {
        BatchNorm2d last = switch (model) {
            case BasicBlock b -> b.lastNorm();
            case Bottleneck b -> b.lastNorm();
            default -> null;
        };
        if (last != null) {
            last.ownParameters().getFirst().value().zero();
        }
        for (Layer child : model.children().values()) {
            zeroInitResiduals(child);
        }
    }

    /** A k x k convolution without bias, padding k/2, flooring. */
    static Conv2d conv(int in, int out, int kernel, int stride, Gemm gemm) {
        return new Conv2d(Conv2dSpec.of(in, out, kernel, stride, kernel / 2).withBias(false).withFloor(true), gemm);
    }

    /** torchvision's downsample: conv 1x1 at the stride, no bias, then BN. */
    static Sequential projection(int in, int out, int stride, Gemm gemm) {
        return new Sequential(conv(in, out, 1, stride, gemm), new BatchNorm2d(out));
    }
}
