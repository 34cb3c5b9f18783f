package dev.stride.infer;

import dev.stride.blas.OpenBlasGemm;
import dev.stride.data.Normalization;
import dev.stride.nn.BuildOptions;
import dev.stride.nn.Layer;
import dev.stride.tensor.Shape;
import dev.stride.tensor.Tensor;
import dev.stride.train.Architecture;
import dev.stride.train.CheckpointMetadata;
import dev.stride.train.ModelCheckpoint;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A trained model ready to serve: its weights, loaded once and read-only, its input normalisation,
 * its class names and how pictures become inputs. Thread-safe: its {@code predict} methods may be
 * called from any number of threads at once, and give the same scores, bit for bit, as one thread
 * making the same calls (they borrow a {@link Predictor} from a pool of
 * {@link InferenceOptions#predictors()}, and wait when all are busy).
 *
 * <p>Its weights are a copy: a model made {@link #of} a network is not changed by further training
 * of that network. {@link #close()} waits for the calls in flight, closes every predictor made from
 * this model and frees the weights; calls after it throw.
 */
public final class InferenceModel implements AutoCloseable {
    private final Arena arena;                 // the weights, freed by close()
    private final Layer network;               // built for (1, C, H, W): owns the weights every predictor shares
    private final String architecture;         // the network's tree text: each predictor decodes its own instance
    private final Shape sampleShape;           // (C, H, W), or (features) for a model without images
    private final int classes;                 // outputs per sample
    private final Normalization normalization;
    private final List<String> classNames;     // (classes) or empty
    private final ImagePreparation images;     // null when the input is not a picture
    private final InferenceOptions options;
    private final SampleCheck check;
    private final PredictorPool pool;
    private final Set<Predictor> open = new HashSet<>(); // guarded by this
    private boolean closed;                    // guarded by this

    private InferenceModel(Arena arena, Layer network, Normalization norm, List<String> classNames,
                           ImagePreparation images, InferenceOptions options) {
        this.arena = arena;
        this.network = network;
        this.architecture = Architecture.encode(network);
        this.sampleShape = network.inputShape().dropFirst();
        this.classes = Math.toIntExact(network.outputShape().sampleSize());
        this.normalization = norm;
        this.classNames = List.copyOf(classNames);
        this.images = images;
        this.options = options;
        this.check = new SampleCheck(sampleShape, options.maxSamplesPerCall());
        this.pool = new PredictorPool(this, options.predictors());
        if (!classNames.isEmpty() && classNames.size() != classes) {
            throw new IllegalArgumentException(classNames.size() + " class names for a model with " + classes
                    + " outputs; give one name per output, or none");
        }
        if (images != null) {
            images.check(sampleShape.dim(0), sampleShape.dim(1), sampleShape.dim(2));
            if (norm.channels() != sampleShape.dim(0)) {
                throw new IllegalArgumentException("the normalisation has " + norm.channels() + " channels but the model takes "
                        + sampleShape.dim(0) + "; give the statistics of the data it was trained on");
            }
        }
    }

    /**
     * {@link #load(Path, InferenceOptions)} with {@link InferenceOptions#defaults()}.
     *
     * @param checkpoint the checkpoint file
     * @return the model; close it to free the weights
     * @throws IOException when the file cannot be read or is not a valid checkpoint
     */
    public static InferenceModel load(Path checkpoint) throws IOException {
        return load(checkpoint, InferenceOptions.defaults());
    }

    /**
     * The model a {@code stride train} checkpoint holds, with its normalisation and class names.
     * Grey square models trained on MNIST get {@link ImagePreparation#MNIST_STYLE}, other grey or
     * RGB models {@link ImagePreparation#RESIZE}.
     *
     * @throws IOException (a {@code CheckpointException} for a corrupt file) naming the file
     * @param checkpoint the checkpoint file
     * @param options how the model runs
     * @return the model; close it to free the weights
     */
    public static InferenceModel load(Path checkpoint, InferenceOptions options) throws IOException {
        prepare(options);
        Arena arena = Arena.ofShared();
        try {
            ModelCheckpoint.Loaded loaded = ModelCheckpoint.load(checkpoint, options.gemm(), arena, 1,
                    BuildOptions.inference().withThreads(1));
            Layer net = loaded.model();
            Map<String, String> meta = loaded.checkpoint().metadata();
            List<String> names = CheckpointMetadata.classNames(meta);
            // Names that do not match the outputs are read as none, as stride predict always has.
            names = names.size() == net.outputShape().sampleSize() ? names : List.of();
            Shape in = net.inputShape();
            ImagePreparation images = null;
            if (in.rank() == 4 && (in.dim(1) == 1 || in.dim(1) == 3)) {
                boolean mnist = in.dim(1) == 1 && in.dim(2) == in.dim(3)
                        && CheckpointMetadata.dataset(meta).equals(CheckpointMetadata.DEFAULT_DATASET);
                images = mnist ? ImagePreparation.MNIST_STYLE : ImagePreparation.RESIZE;
            }
            return new InferenceModel(arena, net, loaded.normalization(), names, images, options);
        } catch (IOException | RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    /**
     * {@link #of(Layer, Normalization, List, ImagePreparation, InferenceOptions)} with {@link
     * ImagePreparation#RESIZE}.
     *
     * @param model a built network
     * @param norm the input normalisation the network was trained with
     * @param classNames one per output, or empty
     * @param options how the model runs
     * @return the model; close it to free the weights
     */
    public static InferenceModel of(Layer model, Normalization norm, List<String> classNames, InferenceOptions options) {
        return of(model, norm, classNames, ImagePreparation.RESIZE, options);
    }

    /**
     * A copy of {@code model}, a built network of layers a checkpoint can hold, with its current
     * weights: training it further does not change the copy. Copy while no other thread runs it.
     *
     * @param classNames one per output, or empty
     * @param images     how pictures become inputs; null when the model takes no pictures
     * @param model a built network
     * @param norm the input normalisation the network was trained with
     * @param options how the model runs
     * @return the model; close it to free the weights
     */
    public static InferenceModel of(Layer model, Normalization norm, List<String> classNames, ImagePreparation images,
                                    InferenceOptions options) {
        Shape in = model.inputShape();
        prepare(options);
        Layer copy;
        try {
            copy = Architecture.decode(Architecture.encode(model), options.gemm());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("InferenceModel.of copies the network through its checkpoint tree: " + e.getMessage(), e);
        }
        Arena arena = Arena.ofShared();
        try {
            copy.build(in.withBatch(1), arena, BuildOptions.inference().withThreads(1));
            Map<String, Tensor> mine = copy.state();
            model.state().forEach((name, t) -> mine.get(name).copyFrom(t));
            return new InferenceModel(arena, copy, norm, classNames, images, options);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    // Each predictor's thread calls GEMM itself, so OpenBLAS's own threads would multiply with them.
    private static void prepare(InferenceOptions options) {
        options.checkBudget(options.predictors(), "predictors");
        if (options.gemm() instanceof OpenBlasGemm openBlas) {
            openBlas.setThreads(1);
        }
    }

    /**
     * A predictor of its own for one thread (close it when done; {@link #close()} closes any left open).
     *
     * @return a new predictor, used by one thread at a time
     */
    public synchronized Predictor newPredictor() {
        checkOpen();
        Predictor p = new Predictor(this);
        open.add(p);
        return p;
    }

    /**
     * Predictions for {@code n} normalised samples, (n, C, H, W) floats; see {@link
     * Predictor#predict(float[], int)}.
     *
     * @param nchw the samples, {@code n * C*H*W} floats
     * @param n the number of samples
     * @return one prediction per sample, in order
     */
    public List<Prediction> predict(float[] nchw, int n) {
        checkOpen();
        return pool.apply(p -> p.predict(nchw, n));
    }

    /**
     * Predictions for {@code n} normalised samples in a segment; see {@link Predictor#predict(MemorySegment,
     * int)}.
     *
     * @param nchw exactly {@code n * C*H*W} native-order floats
     * @param n the number of samples
     * @return one prediction per sample, in order
     */
    public List<Prediction> predict(MemorySegment nchw, int n) {
        checkOpen();
        return pool.apply(p -> p.predict(nchw, n));
    }

    /**
     * The prediction for one picture.
     *
     * @param image the picture
     * @return its prediction
     */
    public Prediction predict(BufferedImage image) {
        return predict(prepare(image), 1).getFirst();
    }

    /**
     * Predictions for pictures, in order.
     *
     * @param images the pictures
     * @return one prediction per picture, in order
     */
    public List<Prediction> predict(List<BufferedImage> images) {
        return predict(prepare(images), images.size());
    }

    /** Makes every pooled predictor and runs one pass on each, so that no real call pays for it. */
    public void warmup() {
        checkOpen();
        pool.warmup();
    }

    /**
     * The normalised input sample (C, H, W) for a picture, as {@link #imagePreparation()} makes it.
     *
     * @throws IllegalStateException when the model takes no pictures
     * @param image the picture
     * @return {@code C*H*W} floats
     */
    public float[] prepare(BufferedImage image) {
        if (images == null) {
            throw new IllegalStateException("this model takes " + check.description() + " inputs, not pictures; give it floats");
        }
        return images.prepare(image, normalization, sampleShape.dim(0), sampleShape.dim(1), sampleShape.dim(2));
    }

    /**
     * The normalised inputs (n, C, H, W) for pictures, in order.
     *
     * @param pictures the pictures
     * @return {@code n * C*H*W} floats
     */
    public float[] prepare(List<BufferedImage> pictures) {
        check.count(pictures.size()); // before decoding any of them
        int size = Math.toIntExact(sampleShape.size());
        float[] x = new float[Math.multiplyExact(pictures.size(), size)];
        for (int i = 0; i < pictures.size(); i++) {
            System.arraycopy(prepare(pictures.get(i)), 0, x, i * size, size);
        }
        return x;
    }

    /**
     * The shape of one input sample: (C, H, W) for a convolutional model.
     *
     * @return the shape without the batch dimension
     */
    public Shape sampleShape() {
        return sampleShape;
    }

    /**
     * The input of a batch of {@code n}: (n, C, H, W) for a convolutional model.
     *
     * @param n the batch size
     * @return the input shape
     */
    public Shape inputShape(int n) {
        return network.inputShape().withBatch(n);
    }

    /**
     * The output of a batch of {@code n}: (n, classes) for a classifier.
     *
     * @param n the batch size
     * @return the output shape
     */
    public Shape outputShape(int n) {
        return network.outputShape().withBatch(n);
    }

    /**
     * Outputs per sample.
     *
     * @return the number of classes
     */
    public int classes() {
        return classes;
    }

    /**
     * One name per output, or empty when the model has none.
     *
     * @return the class names, unmodifiable
     */
    public List<String> classNames() {
        return classNames;
    }

    /**
     * The input normalisation the model was trained with, which {@code prepare} applies.
     *
     * @return the normalisation
     */
    public Normalization normalization() {
        return normalization;
    }

    /**
     * How pictures become inputs; null when the model takes none.
     *
     * @return the preparation, or null
     */
    public ImagePreparation imagePreparation() {
        return images;
    }

    /**
     * The options this model runs with.
     *
     * @return the options
     */
    public InferenceOptions options() {
        return options;
    }

    /**
     * The network's tree and shapes, as {@link Layer#summary()} writes them.
     *
     * @return the summary text
     */
    public String summary() {
        return network.summary();
    }

    /** The checks every input passes. */
    SampleCheck check() {
        return check;
    }

    /** The network that owns the weights, which predictors share. */
    Layer network() {
        return network;
    }

    /** A fresh, unbuilt instance of the network's tree. */
    Layer newNetwork() {
        return Architecture.decode(architecture, options.gemm());
    }

    synchronized void forget(Predictor p) {
        open.remove(p);
    }

    private synchronized void checkOpen() {
        if (closed) {
            throw new IllegalStateException("this InferenceModel is closed");
        }
    }

    /** Waits for the calls in flight, closes every predictor made from this model, then frees the weights. Idempotent. */
    @Override
    public void close() {
        List<Predictor> predictors;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            predictors = new ArrayList<>(open);
        }
        for (Predictor p : predictors) {
            p.close();
        }
        arena.close();
    }
}
