package dev.stride.nn;

import dev.stride.blas.Gemm;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.SequencedMap;

/**
 * MobileNetV2 (Sandler et al. 2018) as torchvision defines it (width 1.0): a 3x3 convolution at
 * stride 2, seventeen {@link InvertedResidual} blocks, a 1x1 convolution to 1280 channels, global
 * average pooling and the classifier (dropout 0.2, linear), with torchvision's children
 * {@code features} and {@code classifier}.
 */
final class MobileNets {
    /** (expansion t, channels c, repeats n, first stride s), the paper's table 2. */
    private static final int[][] SETTINGS = {
            {1, 16, 1, 1}, {6, 24, 2, 2}, {6, 32, 3, 2}, {6, 64, 4, 2}, {6, 96, 3, 1}, {6, 160, 3, 2}, {6, 320, 1, 1}};

    private MobileNets() {
    }

    static Sequential mobilenetV2(int classes, int channels, Gemm gemm) {
        List<Layer> features = new ArrayList<>();
        features.add(InvertedResidual.convBnRelu6(channels, 32, 3, 2, 1, gemm));
        int in = 32;
        for (int[] s : SETTINGS) {
            for (int i = 0; i < s[2]; i++) {
                features.add(new InvertedResidual(in, s[1], i == 0 ? s[3] : 1, s[0], gemm));
                in = s[1];
            }
        }
        features.add(InvertedResidual.convBnRelu6(in, 1280, 1, 1, 1, gemm));
        SequencedMap<String, Layer> top = new LinkedHashMap<>();
        top.put("features", new Sequential(features));
        top.put("avgpool", new AdaptiveAvgPool2d(1, 1));
        top.put("flatten", new Flatten());
        top.put("classifier", new Sequential(new Dropout(0.2f, 1), new Linear(1280, classes, true, gemm)));
        return Sequential.of(top);
    }
}
