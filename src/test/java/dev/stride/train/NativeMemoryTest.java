package dev.stride.train;

import dev.stride.blas.GemmBackend;
import dev.stride.blas.OpenBlasGemm;
import dev.stride.data.DataLoader;
import dev.stride.data.Dataset;
import dev.stride.data.LoaderSpec;
import dev.stride.data.Normalization;
import dev.stride.nn.Init;
import dev.stride.nn.Models;
import dev.stride.nn.Sequential;
import dev.stride.nn.SoftmaxCrossEntropy;
import dev.stride.optim.LrSchedule;
import dev.stride.optim.Sgd;
import dev.stride.optim.SgdSpec;
import dev.stride.tensor.Shape;
import org.junit.jupiter.api.Test;

import javax.management.ObjectName;
import java.lang.foreign.Arena;
import java.lang.management.ManagementFactory;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Native memory stays flat over 10 epochs of training: LeNet-5 at 2 threads on OpenBLAS, with an
 * evaluation after every epoch, as {@code scripts/stride train} runs it. Measured with the JVM's
 * native memory tracking (this class runs in a JVM started with
 * {@code -XX:NativeMemoryTracking=summary}, the surefire execution "native-memory"): its "Other"
 * category is the memory of every arena, so it counts each segment Stride allocates, to the byte.
 * OpenBLAS's own buffers are not tracked there; it allocates them once, when it first runs.
 */
public class NativeMemoryTest {
    static final int BATCH = 64;
    static final int EPOCHS = 10;

    @Test
    void tenEpochsOfTrainingAllocateNoNativeMemoryAfterTheFirst() throws Exception {
        long before = arenaBytes();
        long[] afterEpoch = new long[EPOCHS];
        try (Arena arena = Arena.ofShared()) {
            OpenBlasGemm gemm = (OpenBlasGemm) GemmBackend.openBlas();
            gemm.setThreads(1);
            Sequential model = Models.lenet5(gemm);
            model.build(Shape.of(BATCH, 1, 28, 28), arena, 2);
            Init.pytorchDefault(1).apply(model.parameters());
            SoftmaxCrossEntropy loss = new SoftmaxCrossEntropy();
            loss.build(model.outputShape(), arena);
            Sgd sgd = new Sgd(model.parameters(), arena, SgdSpec.of(0.01).withMomentum(0.9));
            Dataset trainSet = squares(640, 1);
            Dataset testSet = squares(200, 2);
            Normalization norm = Normalization.of(trainSet);
            DataLoader train = new DataLoader(trainSet, norm, LoaderSpec.training(BATCH, 3, 1), arena);
            DataLoader test = new DataLoader(testSet, norm, LoaderSpec.evaluation(BATCH), arena);
            Trainer trainer = new Trainer(model, loss, sgd, LrSchedule.constant(0.01));
            for (int e = 0; e < EPOCHS; e++) {
                trainer.epoch(e, train, test, TrainingListener.NONE);
                afterEpoch[e] = arenaBytes();
            }
        }
        long afterClose = arenaBytes();
        assertTrue(afterEpoch[0] > before, "the model's buffers should show in the arena memory ("
                + before + " -> " + afterEpoch[0] + " bytes): is the category right?");
        for (int e = 1; e < EPOCHS; e++) {
            assertEquals(afterEpoch[0], afterEpoch[e], "native memory after epoch " + (e + 1) + " against after epoch 1 (bytes)");
        }
        assertTrue(afterClose <= before + 64 * 1024, "closing the arena should give its memory back: " + before
                + " bytes before, " + afterClose + " after");
    }

    /**
     * 28x28 images of a bright square at a random place, labelled by the square's quadrant (0 to 3
     * of LeNet-5's 10 classes).
     */
    static Dataset squares(int count, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int side = 28;
        byte[] pixels = new byte[count * side * side];
        int[] labels = new int[count];
        for (int i = 0; i < count; i++) {
            int y = random.nextInt(side - 6);
            int x = random.nextInt(side - 6);
            labels[i] = (y < (side - 6) / 2 ? 0 : 2) + (x < (side - 6) / 2 ? 0 : 1);
            for (int dy = 0; dy < 6; dy++) {
                for (int dx = 0; dx < 6; dx++) {
                    pixels[i * side * side + (y + dy) * side + x + dx] = (byte) 220;
                }
            }
        }
        return new Dataset(pixels, labels, 1, side, side, 10);
    }

    /**
     * The "Other" category of native memory tracking in bytes: the JVM reports it in KB, so this
     * asks with {@code scale=B}.
     */
    public static long arenaBytes() throws Exception {
        String summary = (String) ManagementFactory.getPlatformMBeanServer().invoke(
                new ObjectName("com.sun.management:type=DiagnosticCommand"), "vmNativeMemory",
                new Object[] {new String[] {"summary", "scale=B"}}, new String[] {String[].class.getName()});
        Matcher m = Pattern.compile("Other \\(reserved=\\d+B?, committed=(\\d+)B?\\)").matcher(summary);
        assertTrue(m.find(), "no 'Other' category in the native memory summary; run this class with "
                + "-XX:NativeMemoryTracking=summary (the surefire execution 'native-memory' does). The summary:\n" + summary);
        return Long.parseLong(m.group(1));
    }
}
