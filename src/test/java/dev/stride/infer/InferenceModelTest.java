package dev.stride.infer;

import dev.stride.blas.Gemm;
import dev.stride.blas.GemmBackend;
import dev.stride.nn.BatchNorm2d;
import dev.stride.nn.Conv2d;
import dev.stride.nn.Conv2dSpec;
import dev.stride.nn.Flatten;
import dev.stride.nn.GlobalAvgPool;
import dev.stride.nn.Init;
import dev.stride.nn.Linear;
import dev.stride.nn.Relu;
import dev.stride.nn.Sequential;
import dev.stride.tensor.Shape;
import dev.stride.tensor.Tensor;
import dev.stride.testing.Backends;
import dev.stride.testing.TensorAssert;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** An InferenceModel against the plain forward of the network it was made of, on both backends. */
class InferenceModelTest {
    static List<Gemm> backends() {
        return Backends.all();
    }

    static InferenceOptions options(Gemm gemm, int maxBatch) {
        return InferenceOptions.defaults(gemm).withMaxBatch(maxBatch);
    }

    @ParameterizedTest
    @MethodSource("backends")
    void scoresAreThoseOfThePlainForward(Gemm gemm) {
        try (Arena arena = Arena.ofShared()) {
            Sequential net = Fixtures.lenet(gemm, arena, 5, 1);
            net.setTraining(false);
            float[] x = Fixtures.inputs(5, 2);
            float[] expected = net.forward(Tensor.of(arena, x, 5, 1, 28, 28)).toArray();
            try (InferenceModel model = InferenceModel.of(net, Fixtures.grey(), List.of(), options(gemm, 8))) {
                assertEquals(Shape.of(1, 28, 28), model.sampleShape());
                assertEquals(10, model.classes());
                List<Prediction> out = model.predict(x, 5);
                assertEquals(5, out.size());
                float[] actual = new float[50];
                for (int i = 0; i < 5; i++) {
                    System.arraycopy(out.get(i).scores(), 0, actual, i * 10, 10);
                }
                TensorAssert.assertClose(expected, actual, Shape.of(5, 10), 1e-5, 1e-6, "scores");
            }
        }
    }

    /**
     * OpenBLAS is not batch-invariant: a sample's scores in a batch of 1 and inside a batch of 7
     * differ in the last bits (about 1e-8 on LeNet-5). Same call, same bits; other batching, 1e-5.
     */
    @ParameterizedTest
    @MethodSource("backends")
    void aSampleScoresTheSameAloneOrInABatchToWithin1eMinus5AndLargeCallsRunInChunks(Gemm gemm) {
        try (Arena arena = Arena.ofShared()) {
            Sequential net = Fixtures.lenet(gemm, arena, 1, 3);
            try (InferenceModel model = InferenceModel.of(net, Fixtures.grey(), List.of(), options(gemm, 7))) {
                float[] x = Fixtures.inputs(17, 4); // chunks of 7, 7 and 3
                List<Prediction> batched = model.predict(x, 17);
                for (int i = 0; i < 17; i++) {
                    float[] alone = model.predict(Fixtures.sample(x, i), 1).getFirst().scores();
                    TensorAssert.assertClose(alone, batched.get(i).scores(), Shape.of(1, 10), 1e-5, 1e-6, "sample " + i);
                }
                assertArrayEquals(batched.get(9).scores(), model.predict(x, 17).get(9).scores(), "the same call twice");
            }
        }
    }

    @Test
    void aSegmentGivesWhatTheSameArrayGives() {
        Gemm gemm = GemmBackend.java();
        try (Arena arena = Arena.ofShared()) {
            Sequential net = Fixtures.lenet(gemm, arena, 1, 5);
            try (InferenceModel model = InferenceModel.of(net, Fixtures.grey(), List.of(), options(gemm, 4))) {
                float[] x = Fixtures.inputs(6, 6);
                List<Prediction> fromArray = model.predict(x, 6);
                List<Prediction> fromHeap = model.predict(MemorySegment.ofArray(x), 6);
                MemorySegment offHeap = arena.allocate((long) x.length * Float.BYTES);
                MemorySegment.copy(x, 0, offHeap, Tensor.FLOAT, 0, x.length);
                List<Prediction> fromNative = model.predict(offHeap, 6);
                for (int i = 0; i < 6; i++) {
                    assertArrayEquals(fromArray.get(i).scores(), fromHeap.get(i).scores());
                    assertArrayEquals(fromArray.get(i).scores(), fromNative.get(i).scores());
                }
            }
        }
    }

    @Test
    void aPredictionsArraysAreTheCallersOwnCopies() {
        Gemm gemm = GemmBackend.java();
        try (Arena arena = Arena.ofShared()) {
            Sequential net = Fixtures.lenet(gemm, arena, 1, 7);
            try (InferenceModel model = InferenceModel.of(net, Fixtures.grey(), List.of(), options(gemm, 2))) {
                float[] x = Fixtures.inputs(2, 8);
                List<Prediction> first = model.predict(x, 2);
                float[] kept = first.get(0).scores();
                kept[0] = 1e9f;
                first.get(0).probabilities()[0] = 2f;
                model.predict(Fixtures.inputs(2, 9), 2); // the predictor's output buffer now holds other samples
                assertFalse(first.get(0).scores()[0] == 1e9f);
                assertArrayEquals(model.predict(x, 2).get(0).scores(), first.get(0).scores());
                assertArrayEquals(model.predict(x, 2).get(0).probabilities(), first.get(0).probabilities());
            }
        }
    }

    /** The copy keeps the weights it was made with while the network trains on. */
    @Test
    void aModelMadeOfATrainedNetworkIsUnchangedByFurtherTraining() {
        Gemm gemm = GemmBackend.java();
        try (Arena arena = Arena.ofShared()) {
            Sequential net = Fixtures.lenet(gemm, arena, 4, 11);
            Fixtures.train(net, arena, 3, 100);
            net.setTraining(false);
            float[] x = Fixtures.inputs(4, 12);
            float[] before = net.forward(Tensor.of(arena, x, 4, 1, 28, 28)).toArray();
            try (InferenceModel model = InferenceModel.of(net, Fixtures.grey(), List.of(), options(gemm, 4))) {
                float[] served = model.predict(x, 4).get(2).scores();
                TensorAssert.assertClose(Arrays.copyOfRange(before, 20, 30), served, Shape.of(1, 10), 1e-5, 1e-6, "before");
                net.setTraining(true);
                Fixtures.train(net, arena, 3, 200);
                net.setTraining(false);
                float[] after = net.forward(Tensor.of(arena, x, 4, 1, 28, 28)).toArray();
                assertFalse(Arrays.equals(before, after), "training should have moved the network's weights");
                assertArrayEquals(served, model.predict(x, 4).get(2).scores(), "the model's copy moved with the network");
            }
        }
    }

    /** Buffers travel with the weights: batch norm's running statistics, moved by training, are copied too. */
    @Test
    void aCopyCarriesBatchNormsRunningStatistics() {
        Gemm gemm = GemmBackend.java();
        try (Arena arena = Arena.ofShared()) {
            Sequential net = new Sequential(new Conv2d(Conv2dSpec.of(1, 6, 4, 2, 0), gemm), new BatchNorm2d(6), new Relu(),
                    new GlobalAvgPool(), new Flatten(), new Linear(6, 10, true, gemm));
            net.build(Shape.of(4, 1, 28, 28), arena, 1);
            Init.he(13).apply(net.parameters());
            Fixtures.train(net, arena, 3, 300);
            assertFalse(net.state().get("1.running_mean").getFlat(0) == 0f, "training should have moved the running mean");
            net.setTraining(false);
            float[] x = Fixtures.inputs(4, 14);
            float[] expected = net.forward(Tensor.of(arena, x, 4, 1, 28, 28)).toArray();
            try (InferenceModel model = InferenceModel.of(net, Fixtures.grey(), List.of(), options(gemm, 4))) {
                List<Prediction> out = model.predict(x, 4);
                for (int i = 0; i < 4; i++) {
                    TensorAssert.assertClose(Arrays.copyOfRange(expected, i * 10, i * 10 + 10), out.get(i).scores(),
                            Shape.of(1, 10), 1e-5, 1e-6, "sample " + i);
                }
            }
        }
    }

    @Test
    void predictionsGiveTheBestClassAndTheTopKWithNames() {
        List<String> names = List.of("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine");
        Prediction named = new Prediction(new float[] {0, 3, 1, 3, -2, 0, 0, 0, 0, 2}, names);
        assertEquals(new ClassProbability(1, "one", named.probabilities()[1]), named.best(), "the first of equals");
        List<ClassProbability> top = named.topK(4);
        assertEquals(List.of(1, 3, 9, 2), top.stream().map(ClassProbability::index).toList());
        assertEquals("nine", top.get(2).name());
        assertEquals(10, named.topK(50).size());
        double sum = 0;
        for (float p : named.probabilities()) {
            sum += p;
        }
        assertEquals(1.0, sum, 1e-6);
        assertEquals((float) (Math.exp(3) / (2 * Math.exp(3) + Math.exp(2) + Math.exp(1) + 5 + Math.exp(-2))),
                named.best().probability(), 1e-7f);
        Prediction unnamed = new Prediction(new float[] {1, 5}, List.of());
        assertEquals("class 1", unnamed.best().name());
        // A large score must not overflow exp.
        assertEquals(1f, new Prediction(new float[] {1e30f, 0}, List.of()).best().probability());
    }
}
