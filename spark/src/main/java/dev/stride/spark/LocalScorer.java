package dev.stride.spark;

import dev.stride.blas.GemmBackend;
import dev.stride.data.ImageDecoder;
import dev.stride.data.Normalization;
import dev.stride.data.U8Image;
import dev.stride.nn.BuildOptions;
import dev.stride.nn.Layer;
import dev.stride.tensor.Shape;
import dev.stride.tensor.Tensor;
import dev.stride.train.ModelCheckpoint;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A checkpoint loaded for inference in one task: the one place that knows how Stride scores a
 * batch, so that moving to the core's inference API is a change to this file alone.
 *
 * <p>Owns a confined arena (the model's weights and buffers), freed by {@link #close()}; used by
 * the one thread that opened it. Encoded images go through the core's {@link ImageDecoder}, which
 * reads files (and checks their headers before it allocates), so they are written to one scratch
 * file of this scorer first.
 */
final class LocalScorer implements AutoCloseable {
    private final Arena arena = Arena.ofConfined();
    private final Layer model;
    private final Normalization norm;
    private final List<String> classNames;
    private final Tensor input; // (batch, C, H, W)
    private final Path scratch;

    LocalScorer(byte[] checkpoint, int batch) throws IOException {
        scratch = Files.createTempFile("stride-score", ".bin");
        try {
            Files.write(scratch, checkpoint);
            ModelCheckpoint.Loaded loaded = ModelCheckpoint.load(scratch, GemmBackend.defaultGemm(), arena, batch,
                    BuildOptions.inference());
            model = loaded.model();
            norm = loaded.normalization();
            classNames = classNames(loaded.checkpoint().metadata().get("classes"), model.outputShape().dim(1));
            input = Tensor.zeros(arena, model.inputShape());
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
    }

    int batch() {
        return input.dim(0);
    }

    /** Floats in one sample, C*H*W. */
    int sampleFloats() {
        return (int) (input.size() / input.dim(0));
    }

    List<String> classNames() {
        return classNames;
    }

    /** Row {@code i} of the batch from normalised floats. */
    void setSample(int i, float[] sample) {
        input.segment().asSlice((input.offset() + (long) i * sample.length) * Float.BYTES, (long) sample.length * Float.BYTES)
                .copyFrom(java.lang.foreign.MemorySegment.ofArray(sample));
    }

    /** Row {@code i} of the batch from an encoded image (PNG, JPEG, BMP, GIF), resized and normalised as in training. */
    void setImage(int i, byte[] encoded, String name) throws IOException {
        Files.write(scratch, encoded);
        U8Image img;
        try {
            img = ImageDecoder.load(scratch, input.dim(1), input.dim(2), input.dim(3));
        } catch (IOException e) {
            throw new IOException(name + ": " + e.getMessage().replace(scratch.toString(), "image"), e);
        }
        int plane = img.height() * img.width();
        long base = input.offset() + (long) i * sampleFloats();
        for (int c = 0; c < img.channels(); c++) {
            for (int p = 0; p < plane; p++) {
                input.segment().setAtIndex(Tensor.FLOAT, base + (long) c * plane + p, norm.apply(c, img.pixels()[c * plane + p] & 0xff));
            }
        }
    }

    /** Class probabilities (softmax of the scores) of the first {@code n} rows, (n, classes). */
    float[][] probabilities(int n) {
        Tensor scores = model.forward(n == batch() ? input : input.firstBatch(n));
        int classes = scores.dim(1);
        float[][] out = new float[n][classes];
        for (int r = 0; r < n; r++) {
            float max = Float.NEGATIVE_INFINITY;
            for (int j = 0; j < classes; j++) {
                max = Math.max(max, scores.get(r, j));
            }
            double sum = 0;
            for (int j = 0; j < classes; j++) {
                sum += Math.exp(scores.get(r, j) - max);
            }
            for (int j = 0; j < classes; j++) {
                out[r][j] = (float) (Math.exp(scores.get(r, j) - max) / sum);
            }
        }
        return out;
    }

    Shape sampleShape() {
        Shape in = model.inputShape();
        return Shape.of(in.dim(1), in.dim(2), in.dim(3));
    }

    /** The checkpoint's class names (stride train stores them comma-separated, a backslash escaping), else "0", "1", ... */
    static List<String> classNames(String joined, int classes) {
        List<String> names = new ArrayList<>();
        if (joined != null && !joined.isEmpty()) {
            StringBuilder name = new StringBuilder();
            boolean escaped = false;
            for (char ch : joined.toCharArray()) {
                if (escaped || ch != '\\' && ch != ',') {
                    name.append(ch);
                    escaped = false;
                } else if (ch == '\\') {
                    escaped = true;
                } else {
                    names.add(name.toString());
                    name.setLength(0);
                }
            }
            names.add(name.toString());
        }
        if (names.size() != classes) {
            names.clear();
            for (int j = 0; j < classes; j++) {
                names.add(Integer.toString(j));
            }
        }
        return List.copyOf(names);
    }

    @Override
    public void close() throws IOException {
        if (arena.scope().isAlive()) {
            arena.close();
        }
        Files.deleteIfExists(scratch);
    }
}
