package dev.stride.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.stride.data.Normalization;
import dev.stride.nn.BuildOptions;
import dev.stride.nn.Init;
import dev.stride.nn.InitRule;
import dev.stride.nn.Layer;
import dev.stride.nn.Parameter;
import dev.stride.tensor.Shape;
import dev.stride.tensor.Tensor;

import java.lang.foreign.Arena;
import java.nio.FloatBuffer;
import java.util.Map;
import java.util.SplittableRandom;

import static dev.stride.testing.TensorAssert.assertClose;

/**
 * Exports a Stride model with random weights, runs the file in ONNX Runtime on raw [0, 1] pixels and
 * compares with Stride's inference forward on the same pixels normalised as {@code stride predict}
 * does. The measure: |onnx - stride| <= 1e-5 * max(1, max |stride|) for every output element, the
 * tolerance scaled by the largest reference score.
 */
final class OnnxParity {
    static final double TOLERANCE = 1e-5;

    private OnnxParity() {
    }

    /** What one comparison produced, for further checks. */
    record Result(OnnxExport export, float[] stride, float[] onnx, Map<String, String> metadata) {
    }

    /** Builds {@code model} for inference at {@code input}, randomises it, exports it with {@code options} and compares. */
    static Result check(Layer model, Shape input, OnnxExportOptions options) throws OrtException {
        try (Arena arena = Arena.ofConfined()) {
            model.build(input, arena, BuildOptions.inference().withThreads(1));
            randomise(model, 7);
            SplittableRandom random = new SplittableRandom(11);
            Normalization norm = randomNorm(input.dim(1), random);
            float[] pixels = new float[Math.toIntExact(input.size())];
            for (int i = 0; i < pixels.length; i++) {
                pixels[i] = (float) random.nextDouble();
            }
            Tensor x = Tensor.zeros(arena, input);
            long plane = input.size() / input.dim(0) / input.dim(1);
            float[] normalised = new float[pixels.length];
            for (int i = 0; i < pixels.length; i++) {
                normalised[i] = norm.applyUnit((int) (i / plane % input.dim(1)), pixels[i]);
            }
            x.copyFrom(normalised);
            Tensor y = model.forward(x);
            float[] expected = y.toArray();
            OnnxExport export = OnnxExporter.export(model, norm, Map.of(OnnxExporter.CLASSES_KEY, "a,b"), options);
            float[] actual;
            Map<String, String> metadata;
            OrtEnvironment env = OrtEnvironment.getEnvironment();
            try (OrtSession.SessionOptions so = new OrtSession.SessionOptions()) {
                so.setIntraOpNumThreads(1);
                try (OrtSession session = env.createSession(export.bytes(), so);
                     OnnxTensor in = OnnxTensor.createTensor(env, FloatBuffer.wrap(pixels), dims(input));
                     OrtSession.Result out = session.run(Map.of(OnnxExporter.INPUT, in))) {
                    OnnxTensor scores = (OnnxTensor) out.get(OnnxExporter.SCORES).orElseThrow();
                    FloatBuffer fb = scores.getFloatBuffer();
                    actual = new float[fb.remaining()];
                    fb.get(actual);
                    metadata = session.getMetadata().getCustomMetadata();
                }
            }
            double max = 1;
            for (float v : expected) {
                max = Math.max(max, Math.abs(v));
            }
            assertClose(expected, actual, y.shape(), 0, TOLERANCE * max, "ONNX Runtime vs Stride");
            return new Result(export, expected, actual, metadata);
        }
    }

    /**
     * PyTorch's default initialisation, then batch-norm scales, shifts and running statistics and
     * PReLU slopes drawn away from their defaults, so that a mapping that ignored them would fail.
     */
    static void randomise(Layer model, long seed) {
        Init.pytorchDefault(seed).apply(model.parameters());
        SplittableRandom random = new SplittableRandom(seed + 1);
        for (Parameter p : model.parameters()) {
            if (p.init() instanceof InitRule.Constant) {
                fill(p.value(), p.name().endsWith(".bias") ? -0.3 : 0.5, p.name().endsWith(".bias") ? 0.3 : 1.5, random);
            } else if (p.init() instanceof InitRule.Bias) {
                fill(p.value(), -0.2, 0.2, random);
            }
        }
        model.buffers().forEach((name, t) -> {
            if (name.endsWith("running_mean")) {
                fill(t, -0.3, 0.3, random);
            } else if (name.endsWith("running_var")) {
                fill(t, 0.5, 1.5, random);
            }
        });
    }

    private static void fill(Tensor t, double lo, double hi, SplittableRandom random) {
        for (long i = 0; i < t.size(); i++) {
            t.setFlat(i, (float) (lo + (hi - lo) * random.nextDouble()));
        }
    }

    private static Normalization randomNorm(int channels, SplittableRandom random) {
        float[] mean = new float[channels];
        float[] std = new float[channels];
        for (int c = 0; c < channels; c++) {
            mean[c] = (float) (0.3 + 0.4 * random.nextDouble());
            std[c] = (float) (0.2 + 0.2 * random.nextDouble());
        }
        return new Normalization(mean, std);
    }

    private static long[] dims(Shape s) {
        long[] d = new long[s.rank()];
        for (int i = 0; i < d.length; i++) {
            d[i] = s.dim(i);
        }
        return d;
    }
}
