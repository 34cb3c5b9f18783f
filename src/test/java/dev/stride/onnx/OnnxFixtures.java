package dev.stride.onnx;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The ONNX files scripts/make-onnx-fixtures exported with PyTorch, under src/test/resources/onnx,
 * read from its index.txt: "name opset input-dims output-dims batch-kind ops=...".
 */
record OnnxFixtures(String name, int opset, int[] inputDims, int[] outputDims, String ops) {
    static Path dir() {
        try {
            return Path.of(OnnxFixtures.class.getResource("/onnx/index.txt").toURI()).getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static Path file(String name) {
        return dir().resolve(name);
    }

    static List<OnnxFixtures> all() {
        try {
            List<OnnxFixtures> out = new ArrayList<>();
            for (String line : Files.readAllLines(dir().resolve("index.txt"))) {
                String[] w = line.split(" ");
                out.add(new OnnxFixtures(w[0], Integer.parseInt(w[1]), dims(w[2]), dims(w[3]), w[5]));
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The fixtures Stride imports (all but the one made to fail). */
    static List<OnnxFixtures> importable() {
        return all().stream().filter(f -> !f.name().startsWith("upsample")).toList();
    }

    Path onnx() {
        return file(name + ".onnx");
    }

    float[] input() {
        return floats(name + ".input.f32");
    }

    float[] output() {
        return floats(name + ".output.f32");
    }

    private static float[] floats(String file) {
        try (InputStream in = Files.newInputStream(file(file))) {
            ByteBuffer b = ByteBuffer.wrap(in.readAllBytes()).order(ByteOrder.LITTLE_ENDIAN);
            float[] v = new float[b.remaining() / 4];
            b.asFloatBuffer().get(v);
            return v;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int[] dims(String text) {
        return Arrays.stream(text.split(",")).mapToInt(Integer::parseInt).toArray();
    }

    @Override
    public String toString() {
        return name;
    }
}
