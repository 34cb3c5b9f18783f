package dev.stride.nn;

import dev.stride.blas.Gemm;
import dev.stride.blas.GemmBackend;

/**
 * The named networks Stride ships, unbuilt (build them with the input shape, then initialise).
 * They use the default GEMM backend.
 */
public final class Models {
    /** Models the command line can name. */
    public enum Name { lenet5, vgg_small }

    private Models() {
    }

    public static Layer byName(Name name) {
        return switch (name) {
            case lenet5 -> lenet5();
            case vgg_small -> vggSmall();
        };
    }

    /** The (C, H, W) of one input sample a named model expects. */
    public static int[] inputShape(Name name) {
        return switch (name) {
            case lenet5 -> new int[] {1, 28, 28};
            case vgg_small -> new int[] {3, 32, 32};
        };
    }

    /**
     * LeNet-5 for 28x28 MNIST digits, in its modern form (ReLU, max pooling): conv 5x5x6 pad 2 -
     * ReLU - maxpool 2/2 - conv 5x5x16 - ReLU - maxpool 2/2 - flatten - 400->120 - ReLU - 120->84 -
     * ReLU - 84->10.
     */
    public static Sequential lenet5() {
        return lenet5(GemmBackend.defaultGemm());
    }

    /** {@link #lenet5()} on the given GEMM backend. */
    public static Sequential lenet5(Gemm gemm) {
        return new Sequential(
                new Conv2d(Conv2dSpec.of(1, 6, 5, 1, 2), gemm), new Relu(), new MaxPool2d(PoolSpec.of(2, 2)),
                new Conv2d(Conv2dSpec.of(6, 16, 5, 1, 0), gemm), new Relu(), new MaxPool2d(PoolSpec.of(2, 2)),
                new Flatten(),
                new Linear(400, 120, true, gemm), new Relu(),
                new Linear(120, 84, true, gemm), new Relu(),
                new Linear(84, 10, true, gemm));
    }

    /**
     * A small VGG for 32x32 RGB images (CIFAR-sized): two 3x3 convolutions per stage at 64, 128 and
     * 256 channels, each stage ending in a 2/2 max pool, then 4096->256->10.
     */
    public static Sequential vggSmall() {
        return vggSmall(GemmBackend.defaultGemm());
    }

    /** {@link #vggSmall()} on the given GEMM backend. */
    public static Sequential vggSmall(Gemm gemm) {
        return new Sequential(
                conv3(3, 64, gemm), new Relu(), conv3(64, 64, gemm), new Relu(), new MaxPool2d(PoolSpec.of(2, 2)),
                conv3(64, 128, gemm), new Relu(), conv3(128, 128, gemm), new Relu(), new MaxPool2d(PoolSpec.of(2, 2)),
                conv3(128, 256, gemm), new Relu(), conv3(256, 256, gemm), new Relu(), new MaxPool2d(PoolSpec.of(2, 2)),
                new Flatten(),
                new Linear(256 * 4 * 4, 256, true, gemm), new Relu(),
                new Linear(256, 10, true, gemm));
    }

    private static Conv2d conv3(int in, int out, Gemm gemm) {
        return new Conv2d(Conv2dSpec.of(in, out, 3, 1, 1), gemm);
    }
}
