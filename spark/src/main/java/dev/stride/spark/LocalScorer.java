package dev.stride.spark;

import dev.stride.data.ImageDecoder;
import dev.stride.infer.InferenceModel;
import dev.stride.infer.InferenceOptions;
import dev.stride.infer.Prediction;
import dev.stride.infer.Predictor;
import org.apache.spark.sql.Row;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A checkpoint loaded for inference in one task, on the core's inference API: one
 * {@link InferenceModel} and one {@link Predictor} of one thread (the executor's cores are
 * Spark's parallelism, one task each), and the batch being filled. Pictures are prepared as the
 * model's {@link InferenceModel#imagePreparation()} says, exactly as {@code stride predict}
 * prepares them (MNIST-style centring for MNIST models, a resize for others).
 *
 * <p>Used by one thread at a time; {@link #close()} frees the model's native memory and may come
 * from another thread (it waits for a pass in flight).
 */
final class LocalScorer implements AutoCloseable {
    private final InferenceModel model;
    private final Predictor predictor;
    private final float[] input; // (batch, C, H, W) normalised samples of the batch being filled
    private final int sampleFloats; // C*H*W

    private LocalScorer(InferenceModel model, int batch) {
        this.model = model;
        this.sampleFloats = Math.toIntExact(model.sampleShape().size());
        this.input = new float[Math.multiplyExact(batch, sampleFloats)];
        this.predictor = model.newPredictor();
    }

    /**
     * One predictor of one thread, in passes of {@code batch}. The thread budget it asks for (1)
     * never exceeds the processors; loading sets OpenBLAS to one thread for the whole executor JVM,
     * which is what every other task there wants too.
     */
    static InferenceOptions options(int batch) {
        return InferenceOptions.defaults().withMaxBatch(batch).withMaxSamplesPerCall(batch).withPredictors(1).withThreadsPerPredictor(1);
    }

    /** The checkpoint file, for batches of up to {@code batch} rows. */
    static LocalScorer load(Path checkpoint, int batch) throws IOException {
        InferenceModel model = InferenceModel.load(checkpoint, options(batch));
        try {
            return new LocalScorer(model, batch);
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    /**
     * A checkpoint's bytes (a broadcast's value): the loader reads files, so they are written to a
     * temporary file once, deleted as soon as the model is loaded.
     */
    static LocalScorer load(byte[] checkpoint, int batch) throws IOException {
        Path file = Files.createTempFile("stride-score", ".ckpt");
        LocalScorer scorer = null;
        try {
            Files.write(file, checkpoint);
            scorer = load(file, batch);
            Files.delete(file);
            return scorer;
        } catch (IOException | RuntimeException e) {
            if (scorer != null) {
                scorer.close();
            }
            try {
                Files.deleteIfExists(file);
            } catch (IOException second) {
                e.addSuppressed(second);
            }
            throw e;
        }
    }

    InferenceModel model() {
        return model;
    }

    /** Row {@code i} of the batch from the feature column {@code field} of {@code row} (see {@link FeatureColumn}). */
    void setFeatures(int i, Row row, int field, String column) {
        FeatureColumn.read(row, field, input, i * sampleFloats, sampleFloats, column);
    }

    /** Row {@code i} of the batch from an encoded image (PNG, JPEG, BMP, GIF) that messages call {@code name}. */
    void setImage(int i, byte[] encoded, String name) throws IOException {
        float[] sample = model.prepare(ImageDecoder.read(encoded, name));
        System.arraycopy(sample, 0, input, i * sampleFloats, sampleFloats);
    }

    /** Predictions for the first {@code n} rows of the batch, in order. */
    List<Prediction> predict(int n) {
        return predictor.predict(MemorySegment.ofArray(input).asSlice(0, (long) n * sampleFloats * Float.BYTES), n);
    }

    /** Frees the predictor's and the model's native memory; idempotent. */
    @Override
    public void close() {
        model.close();
    }
}
