package dev.stride.bench;

/**
 * The sgemm sizes the benchmarks run: square matrices, and the im2col products that convolution
 * layers of the models Stride trains actually issue ({@code m} output channels, {@code n} output
 * pixels, {@code k} = input channels x kernel area).
 */
record GemmShape(int m, int n, int k) {

    /** The shape behind a benchmark {@code @Param} value. */
    static GemmShape named(String name) {
        return switch (name) {
            case "square128" -> new GemmShape(128, 128, 128);
            case "square256" -> new GemmShape(256, 256, 256);
            case "square512" -> new GemmShape(512, 512, 512);
            case "square1024" -> new GemmShape(1024, 1024, 1024);
            // LeNet-5 conv1: 1 -> 6 channels, 5x5, 28x28 output; per sample, then 64 samples in one call.
            case "lenet-conv1" -> new GemmShape(6, 28 * 28, 25);
            case "lenet-conv1-batch64" -> new GemmShape(6, 28 * 28 * 64, 25);
            // LeNet-5 conv2: 6 -> 16 channels, 5x5, 10x10 output.
            case "lenet-conv2" -> new GemmShape(16, 10 * 10, 6 * 25);
            // A CIFAR VGG block: 64 -> 64 channels, 3x3, 32x32 output.
            case "vgg-64x64-32x32" -> new GemmShape(64, 32 * 32, 64 * 9);
            default -> throw new IllegalArgumentException("unknown GEMM shape '" + name + "'");
        };
    }

    /** Floating-point operations of one call: a multiply and an add per term. */
    double flops() {
        return 2.0 * m * n * k;
    }
}
