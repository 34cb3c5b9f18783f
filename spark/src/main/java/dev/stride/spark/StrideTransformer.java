package dev.stride.spark;

import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.ml.util.Identifiable$;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/**
 * {@link SparkScoring} as a Spark ML stage, for a {@code Pipeline}: params {@code checkpoint} (a
 * path every executor's driver can read: the checkpoint is read on the driver and broadcast),
 * {@code inputCol}, {@code batchSize}, {@code topK}. Saved with a pipeline as its params: the
 * saved stage names the checkpoint's path, so the checkpoint must stay there (it is not copied).
 */
public final class StrideTransformer extends Transformer implements DefaultParamsWritable {
    private final String uid;
    private final Param<String> checkpoint;
    private final Param<String> inputCol;
    private final IntParam batchSize;
    private final IntParam topK;

    public StrideTransformer() {
        this(Identifiable$.MODULE$.randomUID("stride"));
    }

    /** The constructor Spark's reader calls with the saved uid. */
    public StrideTransformer(String uid) {
        this.uid = uid;
        checkpoint = new Param<>(this, "checkpoint", "path of a Stride checkpoint (stride train's model.ckpt)");
        inputCol = new Param<>(this, "inputCol", "binary (an encoded image) or array<float> (normalised C*H*W) column");
        batchSize = new IntParam(this, "batchSize", "rows scored together");
        topK = new IntParam(this, "topK", "classes listed in top_classes");
        setDefault(inputCol, "content");
        setDefault(batchSize, 64);
        setDefault(topK, 5);
    }

    public Param<String> checkpoint() {
        return checkpoint;
    }

    public Param<String> inputCol() {
        return inputCol;
    }

    public IntParam batchSize() {
        return batchSize;
    }

    public IntParam topK() {
        return topK;
    }

    public StrideTransformer setCheckpoint(String path) {
        set(checkpoint, path);
        return this;
    }

    public StrideTransformer setInputCol(String column) {
        set(inputCol, column);
        return this;
    }

    public StrideTransformer setBatchSize(int n) {
        set(batchSize, n);
        return this;
    }

    public StrideTransformer setTopK(int k) {
        set(topK, k);
        return this;
    }

    @Override
    public String uid() {
        return uid;
    }

    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        if (!isDefined(checkpoint)) {
            throw new IllegalArgumentException("StrideTransformer " + uid + ": no checkpoint; call setCheckpoint(path) first");
        }
        try {
            return SparkScoring.score(dataset.toDF(), Path.of($(checkpoint)), $(inputCol), (Integer) $(batchSize), (Integer) $(topK),
                    SparkScoring.DEFAULT_MAX_MODEL_BYTES);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public StructType transformSchema(StructType schema) {
        return SparkScoring.outputSchema(schema);
    }

    @Override
    public StrideTransformer copy(ParamMap extra) {
        return (StrideTransformer) defaultCopy(extra);
    }

    public static MLReader<StrideTransformer> read() {
        return new DefaultParamsReader<>();
    }

    public static StrideTransformer load(String path) {
        return read().load(path);
    }

}
