package dev.stride.cli;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.stride.blas.GemmBackend;
import dev.stride.data.Normalization;
import dev.stride.nn.AdaptiveAvgPool2d;
import dev.stride.nn.BuildOptions;
import dev.stride.nn.Conv2d;
import dev.stride.nn.Conv2dSpec;
import dev.stride.nn.Flatten;
import dev.stride.nn.Layer;
import dev.stride.nn.Linear;
import dev.stride.nn.Sequential;
import dev.stride.tensor.Shape;
import dev.stride.tensor.Tensor;
import dev.stride.train.ModelCheckpoint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.Arena;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;

import static dev.stride.cli.CliRun.assertError;
import static dev.stride.cli.CliRun.run;
import static dev.stride.testing.TensorAssert.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code stride export}: the file runs in ONNX Runtime from raw pixels with the checkpoint's answers, and bad input is named. */
class CliExportTest {

    @Test
    void exportedFileGivesTheCheckpointsScoresFromRawPixels(@TempDir Path dir) throws Exception {
        Path ckpt = TestCheckpoints.lenet(dir.resolve("lenet.ckpt"));
        Path onnx = dir.resolve("lenet.onnx");
        CliRun.Result r = run("export", "--checkpoint", ckpt.toString(), "--onnx", onnx.toString(), "--opset", "15");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().startsWith("wrote " + onnx), r.out());

        float[] pixels = new float[2 * 28 * 28];
        SplittableRandom random = new SplittableRandom(5);
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (float) random.nextDouble();
        }
        float[] expected;
        try (Arena arena = Arena.ofConfined()) {
            ModelCheckpoint.Loaded loaded = ModelCheckpoint.load(ckpt, GemmBackend.java(), arena, 2, BuildOptions.inference());
            Normalization norm = loaded.normalization();
            float[] x = new float[pixels.length];
            for (int i = 0; i < x.length; i++) {
                x[i] = norm.applyUnit(0, pixels[i]);
            }
            Tensor in = Tensor.zeros(arena, loaded.model().inputShape());
            in.copyFrom(x);
            expected = loaded.model().forward(in).toArray();
        }
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession session = env.createSession(onnx.toString(), new OrtSession.SessionOptions());
             OnnxTensor in = OnnxTensor.createTensor(env, FloatBuffer.wrap(pixels), new long[] {2, 1, 28, 28});
             OrtSession.Result out = session.run(Map.of("input", in))) {
            float[][] scores = (float[][]) out.get("scores").orElseThrow().getValue();
            float[][] probabilities = (float[][]) out.get("probabilities").orElseThrow().getValue();
            float[] flat = new float[expected.length];
            for (int n = 0; n < 2; n++) {
                System.arraycopy(scores[n], 0, flat, n * 10, 10);
                double sum = 0;
                for (float p : probabilities[n]) {
                    sum += p;
                }
                assertEquals(1, sum, 1e-5);
            }
            double max = 1;
            for (float v : expected) {
                max = Math.max(max, Math.abs(v));
            }
            assertClose(expected, flat, Shape.of(2, 10), 0, 1e-5 * max, "ONNX Runtime vs the checkpoint");
            assertEquals("0.1307", session.getMetadata().getCustomMetadata().get("stride.norm.mean"));
        }
    }

    @Test
    void badOptionsAndUnmappableModelsAreNamed(@TempDir Path dir) throws Exception {
        Path ckpt = TestCheckpoints.lenet(dir.resolve("lenet.ckpt"));
        Path onnx = dir.resolve("out.onnx");
        assertError(run("export", "--checkpoint", ckpt.toString(), "--onnx", onnx.toString(), "--opset", "12"), 1,
                "--opset 12", "choose 13 to 17");
        assertError(run("export", "--checkpoint", dir.resolve("missing.ckpt").toString(), "--onnx", onnx.toString()), 1,
                "--checkpoint", "no such file");
        assertError(run("export", "--checkpoint", ckpt.toString(), "--onnx", dir.resolve("no/such/dir/x.onnx").toString()), 1,
                "--onnx", "does not exist");

        Path uneven = dir.resolve("uneven.ckpt");
        Layer net = new Sequential(new Conv2d(Conv2dSpec.of(1, 2, 3, 1, 1), GemmBackend.java()), new AdaptiveAvgPool2d(3, 3),
                new Flatten(), new Linear(18, 2, true, GemmBackend.java()));
        try (Arena arena = Arena.ofConfined()) {
            net.build(Shape.of(1, 1, 8, 8), arena, BuildOptions.inference());
            ModelCheckpoint.save(uneven, net, Normalization.identity(1), null, new ModelCheckpoint.Progress(0, 0, 1), Map.of());
        }
        assertError(run("export", "--checkpoint", uneven.toString(), "--onnx", onnx.toString()), 1,
                "layer 1 (AdaptiveAvgPool2d) has no ONNX mapping for input 8x8 to 3x3", "export at an input size");
        assertFalse(Files.exists(onnx));
    }
}
