package dev.stride.nn;

import dev.stride.ops.OutputSize;
import dev.stride.testing.DirectConv;

/** One convolution geometry for the parameterised tests; {@code toString} names it in reports. */
record ConvCase(String name, int n, int c, int h, int w, int k, int kH, int kW, int stride, int pad,
                boolean bias, boolean floor, int groups) {

    static ConvCase of(String name, int n, int c, int h, int w, int k, int kH, int kW, int stride, int pad) {
        return new ConvCase(name, n, c, h, w, k, kH, kW, stride, pad, true, false, 1);
    }

    ConvCase noBias() {
        return new ConvCase(name, n, c, h, w, k, kH, kW, stride, pad, false, floor, groups);
    }

    ConvCase floored() {
        return new ConvCase(name, n, c, h, w, k, kH, kW, stride, pad, bias, true, groups);
    }

    ConvCase grouped(int groups) {
        return new ConvCase(name, n, c, h, w, k, kH, kW, stride, pad, bias, floor, groups);
    }

    Conv2dSpec spec() {
        return new Conv2dSpec(c, k, kH, kW, stride, pad, bias, floor, groups);
    }

    int outH() {
        return OutputSize.of(name, "height", h, kH, stride, pad, floor);
    }

    int outW() {
        return OutputSize.of(name, "width", w, kW, stride, pad, floor);
    }

    DirectConv oracle(int batch) {
        return new DirectConv(batch, c, h, w, k, kH, kW, stride, pad, outH(), outW(), groups);
    }

    /** The awkward geometries every convolution test runs over. */
    static ConvCase[] all() {
        return new ConvCase[] {
                of("1x1 identity", 2, 3, 5, 4, 4, 1, 1, 1, 0),
                of("1x1 stride 2", 2, 3, 5, 5, 2, 1, 1, 2, 0),
                of("stride larger than kernel", 2, 2, 8, 8, 3, 2, 2, 3, 0),
                of("padding", 2, 3, 6, 6, 4, 3, 3, 1, 1),
                of("odd sizes", 3, 5, 9, 7, 7, 3, 3, 1, 0),
                of("stride 2 with padding", 2, 3, 9, 9, 5, 3, 3, 2, 1),
                of("stride 3 with padding", 2, 2, 8, 8, 3, 3, 3, 3, 2),
                of("batch 1, 5x5 pad 2", 1, 3, 8, 8, 6, 5, 5, 1, 2),
                of("channels not multiples of 8", 2, 11, 5, 5, 13, 3, 3, 1, 1),
                of("rectangular kernel", 2, 3, 7, 6, 4, 3, 2, 1, 1),
                of("padding wider than the kernel", 1, 2, 4, 4, 2, 2, 2, 2, 2),
                of("one output position, more filters than columns", 1, 2, 3, 3, 9, 3, 3, 1, 0),
                of("5x5 valid, as LeNet's conv2", 2, 6, 10, 10, 16, 5, 5, 1, 0),
                of("rectangular valid", 2, 3, 6, 7, 4, 2, 3, 1, 0),
                // Wide enough that Winograd uses the Vector API (8 tiles a row and more): V without
                // the unused slots at 16x16, with them at 22x22.
                of("16x16 same", 1, 2, 16, 16, 2, 3, 3, 1, 1),
                of("22x22 same", 2, 2, 22, 22, 3, 3, 3, 1, 1),
                // Padding as large as the plane, or larger (SE-ResNet's last stage at small inputs).
                of("3x3 pad 1 on a 1x1 plane", 2, 3, 1, 1, 4, 3, 3, 1, 1),
                of("5x5 pad 2 on a 1x2 plane", 2, 2, 1, 2, 3, 5, 5, 1, 2),
                of("3x3 pad 1 on a 2x1 plane", 1, 2, 2, 1, 3, 3, 3, 1, 1),
                of("no bias", 2, 3, 6, 6, 4, 3, 3, 1, 1).noBias(),
                of("floored 7x7 3x3 stride 3", 2, 2, 7, 7, 3, 3, 3, 3, 0).floored(),
        };
    }

    /**
     * Grouped and depthwise geometries: groups = 2, depthwise with K = C and K = 2C, strides 1 and 2,
     * padding, odd sizes, batch 1, a floored one, a 1x1 grouped layer and MobileNet's 3x3 at a
     * width where the depthwise loops' rows are longer than a vector.
     */
    static ConvCase[] grouped() {
        return new ConvCase[] {
                of("groups 2, 3x3 pad 1", 2, 4, 6, 6, 6, 3, 3, 1, 1).grouped(2),
                of("groups 3, odd sizes, stride 2", 3, 6, 9, 7, 9, 3, 3, 2, 1).grouped(3),
                of("groups 2, 1x1", 2, 4, 5, 4, 6, 1, 1, 1, 0).grouped(2),
                of("groups 2, rectangular, no bias", 1, 6, 7, 6, 4, 3, 2, 1, 1).grouped(2).noBias(),
                of("depthwise 3x3 s1 pad 1", 2, 5, 7, 6, 5, 3, 3, 1, 1).grouped(5),
                of("depthwise 3x3 s2 pad 1", 2, 5, 9, 7, 5, 3, 3, 2, 1).grouped(5),
                of("depthwise s2 pad 1 on even sizes, floored as MobileNet", 2, 4, 8, 10, 4, 3, 3, 2, 1).floored().grouped(4),
                of("depthwise K = 2C, s1 pad 1", 2, 3, 6, 7, 6, 3, 3, 1, 1).grouped(3),
                of("depthwise K = 2C, s2 pad 1", 2, 3, 7, 7, 6, 3, 3, 2, 1).grouped(3),
                of("depthwise batch 1, 5x5 pad 2", 1, 4, 8, 9, 4, 5, 5, 1, 2).grouped(4),
                of("depthwise valid odd", 3, 3, 9, 7, 3, 3, 3, 1, 0).grouped(3),
                of("depthwise stride 3 pad 2, rect", 2, 2, 10, 11, 4, 2, 3, 3, 2).grouped(2),
                of("depthwise floored s2", 2, 3, 8, 8, 3, 3, 3, 2, 0).floored().grouped(3),
                of("depthwise 1x1 s2", 2, 3, 5, 5, 3, 1, 1, 2, 0).grouped(3),
                of("depthwise 3x3 s1 at 20x20", 2, 3, 20, 20, 3, 3, 3, 1, 1).grouped(3),
                of("depthwise 3x3 s2 at 21x21", 1, 2, 21, 21, 2, 3, 3, 2, 1).grouped(2),
        };
    }

    @Override
    public String toString() {
        return name;
    }
}
