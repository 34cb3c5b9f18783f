package dev.stride.infer;

import dev.stride.nn.BuildOptions;
import dev.stride.nn.Layer;
import dev.stride.tensor.Shape;
import dev.stride.tensor.Tensor;

import java.awt.image.BufferedImage;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One instance of an {@link InferenceModel}'s network with activations of its own, over the model's
 * shared, read-only parameters. Serves one thread at a time: a call that arrives while another
 * thread's call is running gets an {@link IllegalStateException} (make one predictor per thread,
 * or use the model's own {@code predict} methods, which are thread-safe). Calls may come from
 * different threads one after another.
 *
 * <p>A call takes any number of samples up to {@link InferenceOptions#maxSamplesPerCall()}, and runs
 * them in passes of at most {@link InferenceOptions#maxBatch()}. Inputs must be finite: a NaN or an
 * infinity is refused before any pass, naming the sample. {@link #close()} frees the activations;
 * it waits for a call in flight.
 */
public final class Predictor implements AutoCloseable {
    private final InferenceModel model;
    private final Arena arena;            // this predictor's activations and scratch
    private final Layer net;              // built for (maxBatch, C, H, W), the model's parameters shared
    private final Tensor input;           // (maxBatch, C, H, W)
    private final int maxBatch;
    private final int sampleSize;         // C*H*W floats
    private final int classes;            // outputs per sample
    private final ReentrantLock lock = new ReentrantLock();
    private volatile Thread user;         // the thread in a call, named to a second one
    private volatile boolean closing;     // set by close() before it waits for the lock
    private boolean closed;               // guarded by lock

    /** Copies the samples [from, from + count) of a call's input into the first rows of {@link #input}. */
    @FunctionalInterface
    private interface Loader {
        void load(int from, int count);
    }

    Predictor(InferenceModel model) {
        this.model = model;
        InferenceOptions options = model.options();
        this.maxBatch = options.maxBatch();
        Shape batch = model.inputShape(maxBatch);
        this.sampleSize = Math.toIntExact(model.sampleShape().size());
        this.classes = model.classes();
        Arena own = Arena.ofShared();
        try {
            net = model.newNetwork();
            net.build(batch, own, BuildOptions.inference().withThreads(options.threadsPerPredictor()).sharingWith(model.network()));
            input = Tensor.zeros(own, batch);
        } catch (RuntimeException e) {
            own.close();
            throw e;
        }
        this.arena = own;
    }

    /**
     * Predictions for {@code n} samples, (n, C, H, W) floats in {@code nchw}, already normalised.
     *
     * @param nchw the samples, {@code n * C*H*W} floats
     * @param n the number of samples
     * @return one prediction per sample, in order
     */
    public List<Prediction> predict(float[] nchw, int n) {
        model.check().floats(nchw, n);
        return predictChecked(nchw, n);
    }

    /** As {@link #predict(float[], int)} for samples already checked; {@code nchw} may hold more than n. */
    List<Prediction> predictChecked(float[] nchw, int n) {
        return run(n, (from, count) -> MemorySegment.copy(nchw, from * sampleSize, input.segment(), Tensor.FLOAT,
                input.offset() * Float.BYTES, count * sampleSize));
    }

    /**
     * Predictions for {@code n} samples, (n, C, H, W) native-order floats in {@code nchw}, already
     * normalised; the segment holds exactly those and must be readable by this thread.
     *
     * @param nchw exactly {@code n * C*H*W} floats
     * @param n the number of samples
     * @return one prediction per sample, in order
     */
    public List<Prediction> predict(MemorySegment nchw, int n) {
        SampleCheck check = model.check();
        check.count(n);
        long bytes = (long) n * sampleSize * Float.BYTES;
        if (nchw.byteSize() != bytes) {
            throw new IllegalArgumentException(n + " samples of " + check.description() + " are " + bytes
                    + " bytes, but the segment holds " + nchw.byteSize() + "; pass a slice of exactly those");
        }
        for (long i = 0; i < bytes / Float.BYTES; i++) {
            check.finite(nchw.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i), i);
        }
        return run(n, (from, count) -> MemorySegment.copy(nchw, (long) from * sampleSize * Float.BYTES, input.segment(),
                input.offset() * Float.BYTES, (long) count * sampleSize * Float.BYTES));
    }

    /**
     * The prediction for one picture, prepared as the model's {@link InferenceModel#imagePreparation()} says.
     *
     * @param image the picture
     * @return its prediction
     */
    public Prediction predict(BufferedImage image) {
        return predict(model.prepare(image), 1).getFirst();
    }

    /**
     * Predictions for pictures, in order.
     *
     * @param images the pictures
     * @return one prediction per picture, in order
     */
    public List<Prediction> predict(List<BufferedImage> images) {
        return predict(model.prepare(images), images.size());
    }

    /** Runs one pass of a full batch, so that the first real call does not pay for first-touch memory and compilation. */
    public void warmup() {
        enter();
        try {
            net.forward(input);
        } finally {
            leave();
        }
    }

    private List<Prediction> run(int n, Loader loader) {
        enter();
        try {
            List<Prediction> out = new ArrayList<>(n);
            for (int from = 0; from < n; from += maxBatch) {
                int count = Math.min(maxBatch, n - from);
                loader.load(from, count);
                Tensor y = net.forward(input.firstBatch(count));
                for (int i = 0; i < count; i++) {
                    float[] scores = new float[classes];
                    MemorySegment.copy(y.segment(), Tensor.FLOAT, (y.offset() + (long) i * classes) * Float.BYTES, scores, 0, classes);
                    out.add(new Prediction(scores, model.classNames()));
                }
            }
            return out;
        } finally {
            leave();
        }
    }

    private void enter() {
        if (!lock.tryLock()) {
            if (closing) {
                throw closedException();
            }
            Thread other = user;
            throw new IllegalStateException("thread '" + Thread.currentThread().getName() + "' called a Predictor while thread '"
                    + (other == null ? "?" : other.getName()) + "' is running one of its calls; a Predictor serves one thread at a"
                    + " time: make one per thread (InferenceModel.newPredictor()) or call the InferenceModel, which is thread-safe");
        }
        if (closed) {
            lock.unlock();
            throw closedException();
        }
        user = Thread.currentThread();
    }

    private static IllegalStateException closedException() {
        return new IllegalStateException("this Predictor is closed (it, or its InferenceModel, was closed)");
    }

    private void leave() {
        user = null;
        lock.unlock();
    }

    /** Frees the activations, after a call in flight on another thread has finished; later calls throw. */
    @Override
    public void close() {
        closing = true;
        lock.lock();
        try {
            if (!closed) {
                closed = true;
                arena.close();
                model.forget(this);
            }
        } finally {
            lock.unlock();
        }
    }
}
