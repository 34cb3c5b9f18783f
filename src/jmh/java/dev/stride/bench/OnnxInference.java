package dev.stride.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.stride.data.Normalization;
import dev.stride.nn.BuildOptions;
import dev.stride.nn.Init;
import dev.stride.nn.Layer;
import dev.stride.nn.Models;
import dev.stride.onnx.OnnxExport;
import dev.stride.onnx.OnnxExportOptions;
import dev.stride.onnx.OnnxExporter;
import dev.stride.tensor.Shape;
import dev.stride.tensor.Tensor;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Inference speed of Stride against ONNX Runtime on the same model and the same ONNX file, for
 * scripts/compare-onnxruntime: each named model gets random weights, is exported to
 * {@code <dir>/<model>.onnx} (with {@code <model>.input.f32} and {@code <model>.scores.f32}, two
 * samples of [0, 1] pixels and Stride's scores for them, for the PyTorch peer's check), and then both
 * engines run batches of 1 and 32 on 1 and 2 threads (ONNX Runtime: intra-op threads matched, one
 * inter-op thread, sequential execution). Every figure is the best of three rounds, as the PyTorch
 * peer takes it. Prints CSV rows {@code engine,model,batch,threads,metric,value}, metric
 * images_per_s or latency_ms (the median call at batch 1).
 *
 * <p>Usage: {@code OnnxInference DIR [models] [threads] [batches] [seconds per round]}, e.g.
 * {@code OnnxInference target/bench/onnx lenet5,resnet18 1,2 1,32 2}.
 */
public final class OnnxInference {
    private static final int ROUNDS = 3;

    private OnnxInference() {
    }

    public static void main(String[] args) throws IOException, OrtException {
        Path dir = Path.of(args[0]);
        String[] models = (args.length > 1 ? args[1] : "lenet5,vgg_small,resnet18,mobilenet_v2").split(",");
        int[] threads = ints(args.length > 2 ? args[2] : "1,2");
        int[] batches = ints(args.length > 3 ? args[3] : "1,32");
        double seconds = args.length > 4 ? Double.parseDouble(args[4]) : 2;
        Files.createDirectories(dir);
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        System.out.println("engine,model,batch,threads,metric,value");
        for (String name : models) {
            Models.Name model = Models.Name.valueOf(name);
            int[] sample = model.inputShape();
            try (Arena arena = Arena.ofShared()) {
                Layer base = Models.byName(model);
                base.build(Shape.of(2, sample[0], sample[1], sample[2]), arena, BuildOptions.inference().withThreads(1));
                Init.pytorchDefault(1).apply(base.parameters());
                Normalization norm = Normalization.identity(sample[0]);
                OnnxExport export = OnnxExporter.export(base, norm, Map.of(), OnnxExportOptions.defaults());
                Path file = dir.resolve(name + ".onnx");
                export.write(file);
                float[] check = pixels(2 * sample[0] * sample[1] * sample[2], 3);
                Tensor x2 = Tensor.zeros(arena, base.inputShape());
                x2.copyFrom(check);
                writeFloats(dir.resolve(name + ".input.f32"), check);
                writeFloats(dir.resolve(name + ".scores.f32"), base.forward(x2).toArray());
                for (int t : threads) {
                    for (int b : batches) {
                        Shape in = Shape.of(b, sample[0], sample[1], sample[2]);
                        float[] x = pixels(Math.toIntExact(in.size()), 5);
                        Layer net = Models.byName(model);
                        net.build(in, arena, BuildOptions.inference().withThreads(t).sharingWith(base));
                        Tensor input = Tensor.zeros(arena, in);
                        input.copyFrom(x);
                        report("stride", name, b, t, time(() -> net.forward(input), seconds));
                        try (OrtSession.SessionOptions so = new OrtSession.SessionOptions()) {
                            so.setIntraOpNumThreads(t);
                            so.setInterOpNumThreads(1);
                            so.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
                            try (OrtSession session = env.createSession(file.toString(), so);
                                 OnnxTensor tensor = OnnxTensor.createTensor(env, FloatBuffer.wrap(x), dims(in))) {
                                Map<String, OnnxTensor> feed = Map.of("input", tensor);
                                report("onnxruntime", name, b, t, time(() -> {
                                    try (OrtSession.Result r = session.run(feed)) {
                                        r.get(0);
                                    } catch (OrtException e) {
                                        throw new IllegalStateException(e);
                                    }
                                }, seconds));
                            }
                        }
                    }
                }
            }
        }
    }

    /** {calls per second, median ms per call} of the best round, after a warm-up round twice as long (the JIT's). */
    private static double[] time(Runnable call, double seconds) {
        round(call, 2 * seconds);
        double best = 0;
        double median = Double.MAX_VALUE;
        for (int r = 0; r < ROUNDS; r++) {
            double[] m = round(call, seconds);
            best = Math.max(best, m[0]);
            median = Math.min(median, m[1]);
        }
        return new double[] {best, median};
    }

    private static double[] round(Runnable call, double seconds) {
        long[] times = new long[1 << 16];
        int calls = 0;
        long start = System.nanoTime();
        long end = start + (long) (seconds * 1e9);
        long now = start;
        while (calls < 3 || (now < end && calls < times.length)) {
            call.run();
            long after = System.nanoTime();
            times[calls++] = after - now;
            now = after;
        }
        long[] sorted = Arrays.copyOf(times, calls);
        Arrays.sort(sorted);
        return new double[] {calls / ((now - start) / 1e9), sorted[calls / 2] / 1e6};
    }

    private static void report(String engine, String model, int batch, int threads, double[] m) {
        System.out.printf("%s,%s,%d,%d,images_per_s,%.2f%n", engine, model, batch, threads, m[0] * batch);
        if (batch == 1) {
            System.out.printf("%s,%s,%d,%d,latency_ms,%.3f%n", engine, model, batch, threads, m[1]);
        }
        System.out.flush();
    }

    private static float[] pixels(int count, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] x = new float[count];
        for (int i = 0; i < count; i++) {
            x[i] = (float) random.nextDouble();
        }
        return x;
    }

    private static void writeFloats(Path file, float[] values) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(values);
        Files.write(file, b.array());
    }

    private static long[] dims(Shape s) {
        long[] d = new long[s.rank()];
        for (int i = 0; i < d.length; i++) {
            d[i] = s.dim(i);
        }
        return d;
    }

    private static int[] ints(String csv) {
        return Arrays.stream(csv.split(",")).mapToInt(Integer::parseInt).toArray();
    }
}
