package dev.stride.train;

import dev.stride.blas.Gemm;
import dev.stride.data.Dataset;
import dev.stride.nn.Conv2d;
import dev.stride.nn.Conv2dSpec;
import dev.stride.nn.Flatten;
import dev.stride.nn.Linear;
import dev.stride.nn.MaxPool2d;
import dev.stride.nn.PoolSpec;
import dev.stride.nn.Relu;
import dev.stride.nn.Sequential;

import java.util.SplittableRandom;

/**
 * A small, learnable image task for training tests: 12x12 grey images of a horizontal bar, a
 * vertical bar or a diagonal at a random place, on noise; the label is the kind of stroke.
 */
final class TinyImages {
    static final int SIZE = 12;
    static final int CLASSES = 3;

    private TinyImages() {
    }

    static Dataset make(int count, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        byte[] pixels = new byte[count * SIZE * SIZE];
        int[] labels = new int[count];
        for (int i = 0; i < count; i++) {
            int base = i * SIZE * SIZE;
            for (int p = 0; p < SIZE * SIZE; p++) {
                pixels[base + p] = (byte) rnd.nextInt(60);
            }
            int label = rnd.nextInt(CLASSES);
            labels[i] = label;
            int at = 2 + rnd.nextInt(SIZE - 4);
            for (int t = 1; t < SIZE - 1; t++) {
                int y = label == 0 ? at : t;
                int x = label == 1 ? at : t;
                pixels[base + y * SIZE + x] = (byte) (180 + rnd.nextInt(70));
            }
        }
        return new Dataset(pixels, labels, 1, SIZE, SIZE, CLASSES);
    }

    /** conv 3x3x4 pad 1 - ReLU - maxpool 2/2 - flatten - linear 144->3. */
    static Sequential model(Gemm gemm) {
        return new Sequential(new Conv2d(Conv2dSpec.of(1, 4, 3, 1, 1), gemm), new Relu(), new MaxPool2d(PoolSpec.of(2, 2)),
                new Flatten(), new Linear(4 * 6 * 6, CLASSES, true, gemm));
    }
}
