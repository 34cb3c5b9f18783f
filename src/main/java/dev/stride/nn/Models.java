package dev.stride.nn;

import dev.stride.blas.Gemm;
import dev.stride.blas.GemmBackend;

/**
 * The named networks Stride ships, unbuilt (build them with the input shape, then initialise).
 * The ImageNet models are torchvision's definitions, with its parameter names and counts; each
 * model takes the number of classes and of input channels.
 */
public final class Models {
    /** Models the command line can name. */
    public enum Name {
        /** LeNet-5 for 28x28 grey digits. */
        lenet5(10, 1, 28),
        /** A small VGG for 32x32 RGB images. */
        vgg_small(10, 3, 32),
        /** AlexNet, torchvision's. */
        alexnet(1000, 3, 224),
        /** VGG-11, torchvision's. */
        vgg11(1000, 3, 224),
        /** VGG-11 with batch norm, torchvision's. */
        vgg11_bn(1000, 3, 224),
        /** VGG-16, torchvision's. */
        vgg16(1000, 3, 224),
        /** VGG-16 with batch norm, torchvision's. */
        vgg16_bn(1000, 3, 224),
        /** ResNet-18, torchvision's. */
        resnet18(1000, 3, 224),
        /** ResNet-34, torchvision's. */
        resnet34(1000, 3, 224),
        /** ResNet-50, torchvision's. */
        resnet50(1000, 3, 224),
        /** ResNet-18 with a squeeze-and-excitation block in each basic block. */
        se_resnet18(1000, 3, 224),
        /** GoogLeNet (Inception v1), torchvision's, without the auxiliary classifiers. */
        googlenet(1000, 3, 224),
        /** MobileNetV2, torchvision's. */
        mobilenet_v2(1000, 3, 224),
        /** He et al.'s ResNet-20 for 32x32 CIFAR images. */
        resnet20(10, 3, 32),
        /** He et al.'s ResNet-56 for 32x32 CIFAR images. */
        resnet56(10, 3, 32);

        private final int classes;
        private final int channels;
        private final int size;

        Name(int classes, int channels, int size) {
            this.classes = classes;
            this.channels = channels;
            this.size = size;
        }

        /**
         * The number of classes the model has unless told otherwise.
         *
         * @return the class count
         */
        public int defaultClasses() {
            return classes;
        }

        /**
         * The (C, H, W) of one input sample the model is meant for.
         *
         * @return a new array {C, H, W}
         */
        public int[] inputShape() {
            return new int[] {channels, size, size};
        }
    }

    private Models() {
    }

    /**
     * The model with its default classes and input channels, on the default GEMM backend.
     *
     * @param name the model
     * @return the unbuilt model
     */
    public static Layer byName(Name name) {
        return byName(name, name.defaultClasses(), name.inputShape()[0], GemmBackend.defaultGemm());
    }

    /**
     * The model with these classes and input channels.
     *
     * @param name the model
     * @param classes the outputs, at least 1
     * @param channels the input channels, at least 1
     * @param gemm the backend for the layers that multiply matrices
     * @return the unbuilt model
     */
    public static Layer byName(Name name, int classes, int channels, Gemm gemm) {
        if (classes < 1 || channels < 1) {
            throw new IllegalArgumentException(name + ": classes and input channels must be at least 1, got " + classes + " and " + channels);
        }
        return switch (name) {
            case lenet5 -> lenet5(classes, channels, gemm);
            case vgg_small -> vggSmall(classes, channels, gemm);
            case alexnet -> ClassicModels.alexnet(classes, channels, gemm);
            case vgg11 -> ClassicModels.vgg(ClassicModels.VGG11, false, classes, channels, gemm);
            case vgg11_bn -> ClassicModels.vgg(ClassicModels.VGG11, true, classes, channels, gemm);
            case vgg16 -> ClassicModels.vgg(ClassicModels.VGG16, false, classes, channels, gemm);
            case vgg16_bn -> ClassicModels.vgg(ClassicModels.VGG16, true, classes, channels, gemm);
            case resnet18 -> ResNets.resnet(false, new int[] {2, 2, 2, 2}, 0, classes, channels, gemm);
            case resnet34 -> ResNets.resnet(false, new int[] {3, 4, 6, 3}, 0, classes, channels, gemm);
            case resnet50 -> ResNets.resnet(true, new int[] {3, 4, 6, 3}, 0, classes, channels, gemm);
            case se_resnet18 -> ResNets.resnet(false, new int[] {2, 2, 2, 2}, ResNets.SE_REDUCTION, classes, channels, gemm);
            case googlenet -> GoogLeNet.googlenet(classes, channels, gemm);
            case mobilenet_v2 -> MobileNets.mobilenetV2(classes, channels, gemm);
            case resnet20 -> ResNets.cifar(3, classes, channels, gemm);
            case resnet56 -> ResNets.cifar(9, classes, channels, gemm);
        };
    }

    /**
     * The (C, H, W) of one input sample a named model expects by default.
     *
     * @param name the model
     * @return a new array {C, H, W}
     */
    public static int[] inputShape(Name name) {
        return name.inputShape();
    }

    /**
     * LeNet-5 for 28x28 MNIST digits, in its modern form (ReLU, max pooling): conv 5x5x6 pad 2 -
     * ReLU - maxpool 2/2 - conv 5x5x16 - ReLU - maxpool 2/2 - flatten - 400->120 - ReLU - 120->84 -
     * ReLU - 84->10.
     *
     * @return the unbuilt model
     */
    public static Sequential lenet5() {
        return lenet5(GemmBackend.defaultGemm());
    }

    /**
     * {@link #lenet5()} on the given GEMM backend.
     *
     * @param gemm the backend for the layers that multiply matrices
     * @return the unbuilt model
     */
    public static Sequential lenet5(Gemm gemm) {
        return lenet5(10, 1, gemm);
    }

    static Sequential lenet5(int classes, int channels, Gemm gemm) {
        return new Sequential(
                new Conv2d(Conv2dSpec.of(channels, 6, 5, 1, 2), gemm), new Relu(), new MaxPool2d(PoolSpec.of(2, 2)),
                new Conv2d(Conv2dSpec.of(6, 16, 5, 1, 0), gemm), new Relu(), new MaxPool2d(PoolSpec.of(2, 2)),
                new Flatten(),
                new Linear(400, 120, true, gemm), new Relu(),
                new Linear(120, 84, true, gemm), new Relu(),
                new Linear(84, classes, true, gemm));
    }

    /**
     * A small VGG for 32x32 RGB images (CIFAR-sized): two 3x3 convolutions per stage at 64, 128 and
     * 256 channels, each stage ending in a 2/2 max pool, then 4096->256->10.
     *
     * @return the unbuilt model
     */
    public static Sequential vggSmall() {
        return vggSmall(GemmBackend.defaultGemm());
    }

    /**
     * {@link #vggSmall()} on the given GEMM backend.
     *
     * @param gemm the backend for the layers that multiply matrices
     * @return the unbuilt model
     */
    public static Sequential vggSmall(Gemm gemm) {
        return vggSmall(10, 3, gemm);
    }

    static Sequential vggSmall(int classes, int channels, Gemm gemm) {
        return new Sequential(
                conv3(channels, 64, gemm), new Relu(), conv3(64, 64, gemm), new Relu(), new MaxPool2d(PoolSpec.of(2, 2)),
                conv3(64, 128, gemm), new Relu(), conv3(128, 128, gemm), new Relu(), new MaxPool2d(PoolSpec.of(2, 2)),
                conv3(128, 256, gemm), new Relu(), conv3(256, 256, gemm), new Relu(), new MaxPool2d(PoolSpec.of(2, 2)),
                new Flatten(),
                new Linear(256 * 4 * 4, 256, true, gemm), new Relu(),
                new Linear(256, classes, true, gemm));
    }

    private static Conv2d conv3(int in, int out, Gemm gemm) {
        return new Conv2d(Conv2dSpec.of(in, out, 3, 1, 1), gemm);
    }
}
