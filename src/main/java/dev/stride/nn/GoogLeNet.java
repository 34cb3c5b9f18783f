package dev.stride.nn;

import dev.stride.blas.Gemm;

import java.util.LinkedHashMap;
import java.util.SequencedMap;

/**
 * GoogLeNet (Szegedy et al. 2015) as torchvision defines it, without the auxiliary classifiers:
 * BasicConv2d units (conv without bias - BN with eps 0.001 - ReLU, children {@code conv, bn}),
 * Inception modules of four branches joined by {@link Concat} ({@code branch1} .. {@code branch4};
 * torchvision's third branch uses a 3x3 convolution where the paper has 5x5, and so does this one,
 * so that weights and counts line up), max pools that round up (ceil mode), global average pooling,
 * dropout 0.2 and the classifier {@code fc}.
 */
final class GoogLeNet {
    /** torchvision's BasicConv2d batch norm epsilon. */
    static final double BN_EPS = 1e-3;

    private GoogLeNet() {
    }

    static Sequential googlenet(int classes, int channels, Gemm gemm) {
        SequencedMap<String, Layer> top = new LinkedHashMap<>();
        top.put("conv1", basic(channels, 64, 7, 2, 3, gemm));
        top.put("maxpool1", ceilPool(3, 2));
        top.put("conv2", basic(64, 64, 1, 1, 0, gemm));
        top.put("conv3", basic(64, 192, 3, 1, 1, gemm));
        top.put("maxpool2", ceilPool(3, 2));
        top.put("inception3a", inception(192, 64, 96, 128, 16, 32, 32, gemm));
        top.put("inception3b", inception(256, 128, 128, 192, 32, 96, 64, gemm));
        top.put("maxpool3", ceilPool(3, 2));
        top.put("inception4a", inception(480, 192, 96, 208, 16, 48, 64, gemm));
        top.put("inception4b", inception(512, 160, 112, 224, 24, 64, 64, gemm));
        top.put("inception4c", inception(512, 128, 128, 256, 24, 64, 64, gemm));
        top.put("inception4d", inception(512, 112, 144, 288, 32, 64, 64, gemm));
        top.put("inception4e", inception(528, 256, 160, 320, 32, 128, 128, gemm));
        top.put("maxpool4", ceilPool(2, 2));
        top.put("inception5a", inception(832, 256, 160, 320, 32, 128, 128, gemm));
        top.put("inception5b", inception(832, 384, 192, 384, 48, 128, 128, gemm));
        top.put("avgpool", new AdaptiveAvgPool2d(1, 1));
        top.put("flatten", new Flatten());
        top.put("dropout", new Dropout(0.2f, 1));
        top.put("fc", new Linear(1024, classes, true, gemm));
        return Sequential.of(top);
    }

    /** An Inception module: 1x1; 1x1 then 3x3; 1x1 then 3x3; 3x3 max pool then 1x1; concatenated. */
    static Concat inception(int in, int ch1x1, int ch3x3red, int ch3x3, int ch5x5red, int ch5x5, int poolProj, Gemm gemm) {
        SequencedMap<String, Layer> branches = new LinkedHashMap<>();
        branches.put("branch1", basic(in, ch1x1, 1, 1, 0, gemm));
        branches.put("branch2", new Sequential(basic(in, ch3x3red, 1, 1, 0, gemm), basic(ch3x3red, ch3x3, 3, 1, 1, gemm)));
        branches.put("branch3", new Sequential(basic(in, ch5x5red, 1, 1, 0, gemm), basic(ch5x5red, ch5x5, 3, 1, 1, gemm)));
        branches.put("branch4", new Sequential(new MaxPool2d(PoolSpec.of(3, 1).withPadding(1).withCeil(true)),
                basic(in, poolProj, 1, 1, 0, gemm)));
        return Concat.of(branches);
    }

    /** torchvision's BasicConv2d: conv (no bias) - BN (eps 0.001) - ReLU. */
    static Sequential basic(int in, int out, int kernel, int stride, int padding, Gemm gemm) {
        SequencedMap<String, Layer> unit = new LinkedHashMap<>();
        unit.put("conv", new Conv2d(Conv2dSpec.of(in, out, kernel, stride, padding).withBias(false).withFloor(true), gemm));
        unit.put("bn", new BatchNorm2d(out, BN_EPS, 0.1));
        unit.put("relu", new Relu());
        return Sequential.of(unit);
    }

    private static MaxPool2d ceilPool(int kernel, int stride) {
        return new MaxPool2d(PoolSpec.of(kernel, stride).withCeil(true));
    }
}
