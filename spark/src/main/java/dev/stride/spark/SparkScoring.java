package dev.stride.spark;

import dev.stride.infer.ClassProbability;
import dev.stride.infer.InferenceModel;
import dev.stride.infer.Prediction;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.BinaryType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.NoSuchElementException;

/**
 * Scores a DataFrame with a Stride checkpoint: the checkpoint's bytes are broadcast (shipped once
 * to each executor), every task loads them into a model of its own, scores its rows in batches
 * and frees the model's native memory when its rows are done (or the task ends).
 *
 * <p>The input column is either {@code binary}, an encoded image (Spark's {@code binaryFile}
 * source's {@code content}), decoded and prepared by the core's inference API exactly as
 * {@code stride predict} prepares it, or {@code array<float>} / {@code array<double>}, C*H*W values
 * already normalised (and finite). Added columns, as {@link dev.stride.infer.Prediction} gives them:
 * {@code prediction} (int), {@code class} (its name, "class i" when the checkpoint names none),
 * {@code probability} (float), and the top k as {@code top_classes} (array&lt;string&gt;) and
 * {@code top_probabilities} (array&lt;float&gt;).
 */
public final class SparkScoring {
    /** The largest checkpoint {@link #score} broadcasts unless told otherwise. */
    public static final long DEFAULT_MAX_MODEL_BYTES = 1L << 30;

    private SparkScoring() {
    }

    /** {@link #score(Dataset, Path, String, int, int, long)} with batches of 64, the top 5 and the default size limit. */
    public static Dataset<Row> score(Dataset<Row> data, Path checkpoint, String input) throws IOException {
        return score(data, checkpoint, input, 64, 5, DEFAULT_MAX_MODEL_BYTES);
    }

    /**
     * @param batch         rows scored together in a task
     * @param topK          how many classes {@code top_classes} lists (at most the model's classes)
     * @param maxModelBytes the largest checkpoint to broadcast; a larger one is refused before any job runs
     */
    public static Dataset<Row> score(Dataset<Row> data, Path checkpoint, String input, int batch, int topK, long maxModelBytes)
            throws IOException {
        if (batch < 1 || topK < 1) {
            throw new IllegalArgumentException("batch and top k must be at least 1, got " + batch + " and " + topK);
        }
        StructType schema = data.schema();
        if (!Arrays.asList(schema.fieldNames()).contains(input)) {
            throw new IllegalArgumentException("the DataFrame has no column '" + input + "'; its columns: " + String.join(", ", schema.fieldNames()));
        }
        boolean images = schema.apply(input).dataType() instanceof BinaryType;
        if (!images) {
            FeatureColumn.check(schema, input);
        }
        long size = Files.size(checkpoint);
        if (size > maxModelBytes) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "checkpoint %s is %.1f MB, over the %.1f MB broadcast limit;"
                    + " raise the limit (and spark.driver.maxResultSize / executor memory to match) or score with a smaller model",
                    checkpoint, size / 1e6, maxModelBytes / 1e6));
        }
        byte[] bytes = Files.readAllBytes(checkpoint);
        int k;
        // Checked on the driver, so that a model that cannot take the column fails before any job runs.
        try (LocalScorer probe = LocalScorer.load(checkpoint, 1)) {
            InferenceModel m = probe.model();
            if (images && m.imagePreparation() == null) {
                throw new IllegalArgumentException("checkpoint " + checkpoint + " takes inputs of shape " + m.sampleShape()
                        + ", not pictures; score an array<float> column of C*H*W values instead of '" + input + "'");
            }
            k = Math.min(topK, m.classes());
        }
        Broadcast<byte[]> model = JavaSparkContext.fromSparkContext(data.sparkSession().sparkContext()).broadcast(bytes);
        StructType out = outputSchema(schema);
        int field = schema.fieldIndex(input);
        int pathField = Arrays.asList(schema.fieldNames()).indexOf("path");
        MapPartitionsFunction<Row, Row> task = rows -> new Batches(rows, model, batch, k, field, pathField, images, input);
        return data.mapPartitions(task, Encoders.row(out));
    }

    /** The input's columns and the five that scoring adds. */
    static StructType outputSchema(StructType schema) {
        return schema.add("prediction", DataTypes.IntegerType).add("class", DataTypes.StringType)
                .add("probability", DataTypes.FloatType)
                .add("top_classes", DataTypes.createArrayType(DataTypes.StringType))
                .add("top_probabilities", DataTypes.createArrayType(DataTypes.FloatType));
    }

    /** A partition's rows, scored a batch at a time as they are asked for. */
    private static final class Batches implements Iterator<Row> {
        private final Iterator<Row> rows;
        private final Broadcast<byte[]> model;
        private final int batch;
        private final int topK;
        private final int field;
        private final int pathField;
        private final boolean images;
        private final String column;
        private final List<Row> pending = new ArrayList<>();
        private final List<Row> scored = new ArrayList<>();
        private int next;
        private LocalScorer scorer;

        Batches(Iterator<Row> rows, Broadcast<byte[]> model, int batch, int topK, int field, int pathField, boolean images,
                String column) {
            this.rows = rows;
            this.model = model;
            this.batch = batch;
            this.topK = topK;
            this.field = field;
            this.pathField = pathField;
            this.images = images;
            this.column = column;
        }

        @Override
        public boolean hasNext() {
            if (next < scored.size()) {
                return true;
            }
            scored.clear();
            next = 0;
            try {
                scoreNextBatch();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return !scored.isEmpty();
        }

        @Override
        public Row next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            return scored.get(next++);
        }

        private void scoreNextBatch() throws IOException {
            pending.clear();
            while (pending.size() < batch && rows.hasNext()) {
                pending.add(rows.next());
            }
            if (pending.isEmpty()) {
                close();
                return;
            }
            if (scorer == null) {
                scorer = LocalScorer.load(model.value(), batch);
                TaskContext ctx = TaskContext.get();
                if (ctx != null) {
                    ctx.addTaskCompletionListener((org.apache.spark.util.TaskCompletionListener) c -> close());
                }
            }
            for (int i = 0; i < pending.size(); i++) {
                Row row = pending.get(i);
                if (images) {
                    byte[] encoded = (byte[]) row.get(field);
                    String name = pathField >= 0 ? String.valueOf(row.get(pathField)) : "row " + i + " of a batch";
                    if (encoded == null) {
                        throw new IOException(name + ": column '" + column + "' is null");
                    }
                    scorer.setImage(i, encoded, name);
                } else {
                    scorer.setFeatures(i, row, field, column);
                }
            }
            List<Prediction> predictions = scorer.predict(pending.size());
            for (int i = 0; i < pending.size(); i++) {
                List<ClassProbability> top = predictions.get(i).topK(topK);
                String[] topNames = new String[topK];
                Float[] topP = new Float[topK];
                for (int j = 0; j < topK; j++) {
                    topNames[j] = top.get(j).name();
                    topP[j] = top.get(j).probability();
                }
                Row in = pending.get(i);
                Object[] values = Arrays.copyOf(toArray(in), in.length() + 5);
                values[in.length()] = top.getFirst().index();
                values[in.length() + 1] = topNames[0];
                values[in.length() + 2] = topP[0];
                values[in.length() + 3] = topNames;
                values[in.length() + 4] = topP;
                scored.add(RowFactory.create(values));
            }
        }

        private void close() {
            if (scorer != null) {
                scorer.close();
            }
        }

        private static Object[] toArray(Row row) {
            Object[] v = new Object[row.length()];
            for (int i = 0; i < v.length; i++) {
                v[i] = row.get(i);
            }
            return v;
        }
    }
}
