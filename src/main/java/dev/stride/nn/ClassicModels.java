package dev.stride.nn;

import dev.stride.blas.Gemm;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.SequencedMap;

/**
 * AlexNet and VGG as torchvision defines them (children {@code features}, {@code avgpool},
 * {@code classifier}, plus the {@code flatten} torchvision does in its forward), so parameter names
 * and counts match {@code torchvision.models}. Every convolution and pooling floors its output size,
 * as PyTorch does. Dropout masks are seeded by position, so a run is reproducible.
 */
final class ClassicModels {
    /** VGG's configurations: channels of each 3x3 convolution, 0 for a 2x2 max pool. */
    static final int[] VGG11 = {64, 0, 128, 0, 256, 256, 0, 512, 512, 0, 512, 512, 0};
    static final int[] VGG16 = {64, 64, 0, 128, 128, 0, 256, 256, 256, 0, 512, 512, 512, 0, 512, 512, 512, 0};

    private ClassicModels() {
    }

    static Sequential alexnet(int classes, int channels, Gemm gemm) {
        Sequential features = new Sequential(
                conv(channels, 64, 11, 4, 2, gemm), new Relu(), maxPool(3, 2),
                conv(64, 192, 5, 1, 2, gemm), new Relu(), maxPool(3, 2),
                conv(192, 384, 3, 1, 1, gemm), new Relu(),
                conv(384, 256, 3, 1, 1, gemm), new Relu(),
                conv(256, 256, 3, 1, 1, gemm), new Relu(), maxPool(3, 2));
        Sequential classifier = new Sequential(
                new Dropout(0.5f, 1), new Linear(256 * 6 * 6, 4096, true, gemm), new Relu(),
                new Dropout(0.5f, 2), new Linear(4096, 4096, true, gemm), new Relu(),
                new Linear(4096, classes, true, gemm));
        return head(features, new AdaptiveAvgPool2d(6, 6), classifier);
    }

    /** VGG of configuration {@code cfg}, with batch norm after every convolution when {@code batchNorm}. */
    static Sequential vgg(int[] cfg, boolean batchNorm, int classes, int channels, Gemm gemm) {
        List<Layer> layers = new ArrayList<>();
        int in = channels;
        for (int v : cfg) {
            if (v == 0) {
                layers.add(maxPool(2, 2));
                continue;
            }
            layers.add(new Conv2d(Conv2dSpec.of(in, v, 3, 1, 1).withFloor(true), gemm));
            if (batchNorm) {
                layers.add(new BatchNorm2d(v));
            }
            layers.add(new Relu());
            in = v;
        }
        Sequential classifier = new Sequential(
                new Linear(512 * 7 * 7, 4096, true, gemm), new Relu(), new Dropout(0.5f, 1),
                new Linear(4096, 4096, true, gemm), new Relu(), new Dropout(0.5f, 2),
                new Linear(4096, classes, true, gemm));
        return head(new Sequential(layers), new AdaptiveAvgPool2d(7, 7), classifier);
    }

    private static Sequential head(Sequential features, Layer avgpool, Sequential classifier) {
        SequencedMap<String, Layer> top = new LinkedHashMap<>();
        top.put("features", features);
        top.put("avgpool", avgpool);
        top.put("flatten", new Flatten());
        top.put("classifier", classifier);
        return Sequential.of(top);
    }

    static Conv2d conv(int in, int out, int kernel, int stride, int padding, Gemm gemm) {
        return new Conv2d(Conv2dSpec.of(in, out, kernel, stride, padding).withFloor(true), gemm);
    }

    static MaxPool2d maxPool(int kernel, int stride) {
        return new MaxPool2d(PoolSpec.of(kernel, stride).withFloor(true));
    }
}
