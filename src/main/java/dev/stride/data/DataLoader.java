package dev.stride.data;

import dev.stride.tensor.Tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;

/**
 * Walks a {@link Dataset} in mini-batches, writing each batch of normalised pixels straight into
 * one off-heap input tensor that is allocated once.
 *
 * <pre>{@code
 * for (int epoch = 0; epoch < epochs; epoch++) {
 *     loader.startEpoch(epoch);
 *     while (loader.next()) {
 *         model.forward(loader.input());   // (n, C, H, W), n = loader.size()
 *         loss.forward(scores, loader.labels());
 *     }
 * }
 * }</pre>
 *
 * <p>An epoch depends only on the spec's seed and the epoch number, never on what ran before, so
 * runs are reproducible and a resumed run sees the same batches. After construction nothing is
 * allocated per batch: the last, smaller batch uses a view made up front.
 */
public final class DataLoader {
    private final Dataset data;
    private final LoaderSpec spec;
    private final float[][] tables;  // (channels, 256): normalised value of each pixel byte
    private final int[] order;       // (count) item visited at each step of the epoch
    private final float[] sample;    // (C*H*W) one normalised image, copied into the tensor in one call
    private final Tensor input;      // (batchSize, C, H, W)
    private final Tensor lastInput;  // (count % batchSize, C, H, W) view of input, or input itself
    private final int[] labels;      // (batchSize) labels of the current batch; the first size() are valid
    private SplittableRandom random;
    private int cursor;
    private int size;

    /**
     * @param arena owns the input tensor; the loader never closes it
     */
    public DataLoader(Dataset data, Normalization norm, LoaderSpec spec, Arena arena) {
        if (norm.channels() != data.channels()) {
            throw new IllegalArgumentException("normalisation has " + norm.channels() + " channels, the data set "
                    + data.channels() + "; use the statistics computed from a training set of the same kind");
        }
        if (spec.maxShift() >= Math.min(data.height(), data.width())) {
            throw new IllegalArgumentException("max shift " + spec.maxShift() + " would move " + data.height() + "x"
                    + data.width() + " images entirely out of view; use a smaller shift");
        }
        this.data = data;
        this.spec = spec;
        this.tables = new float[data.channels()][];
        for (int c = 0; c < tables.length; c++) {
            tables[c] = norm.table(c);
        }
        int batch = Math.min(spec.batchSize(), data.count());
        this.order = new int[data.count()];
        this.sample = new float[data.sampleSize()];
        this.input = Tensor.zeros(arena, data.batchShape(batch));
        int rest = data.count() % batch;
        this.lastInput = rest == 0 ? input : input.firstBatch(rest);
        this.labels = new int[batch];
        startEpoch(0);
    }

    /** Rewinds to the start of {@code epoch}, in that epoch's order. */
    public void startEpoch(int epoch) {
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        random = new SplittableRandom(spec.seed() + epoch);
        if (spec.shuffle()) {
            // Fisher-Yates from the identity each epoch, so the order depends on the epoch alone.
            for (int i = order.length - 1; i > 0; i--) {
                int j = random.nextInt(i + 1);
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
        }
        cursor = 0;
        size = 0;
    }

    /** Loads the next batch into {@link #input()} and {@link #labels()}; false once the epoch is done. */
    public boolean next() {
        if (cursor >= order.length) {
            size = 0;
            return false;
        }
        size = Math.min(labels.length, order.length - cursor);
        long sampleBytes = (long) sample.length * Float.BYTES;
        MemorySegment dst = input.segment();
        for (int b = 0; b < size; b++) {
            int item = order[cursor + b];
            labels[b] = data.label(item);
            int dy = spec.maxShift() == 0 ? 0 : random.nextInt(-spec.maxShift(), spec.maxShift() + 1);
            int dx = spec.maxShift() == 0 ? 0 : random.nextInt(-spec.maxShift(), spec.maxShift() + 1);
            fillSample(item, dy, dx);
            MemorySegment.copy(sample, 0, dst, Tensor.FLOAT, input.offset() * Float.BYTES + b * sampleBytes, sample.length);
        }
        cursor += size;
        return true;
    }

    /**
     * Image {@code item}, normalised and moved down by {@code dy} and right by {@code dx}, the
     * uncovered border at the value of a 0 pixel; returns the loader's own (C*H*W) buffer.
     */
    float[] fillSample(int item, int dy, int dx) {
        int h = data.height();
        int w = data.width();
        long src = (long) item * sample.length;
        int dst = 0;
        for (int c = 0; c < tables.length; c++) {
            float[] table = tables[c];
            for (int y = 0; y < h; y++) {
                int sy = y - dy;
                for (int x = 0; x < w; x++, dst++) {
                    int sx = x - dx;
                    boolean inside = sy >= 0 && sy < h && sx >= 0 && sx < w;
                    sample[dst] = table[inside ? data.pixelAt(src + ((long) c * h + sy) * w + sx) : 0];
                }
            }
        }
        return sample;
    }

    /** The current batch: (size(), C, H, W), a view of the one preallocated tensor. */
    public Tensor input() {
        if (size == 0) {
            throw new IllegalStateException("no current batch: call next() first (and only while it returns true)");
        }
        return size == labels.length ? input : lastInput;
    }

    /** Labels of the current batch; only the first {@link #size()} entries belong to it. */
    public int[] labels() {
        return labels;
    }

    /** Items in the current batch: the batch size, or fewer for the last batch of an epoch. */
    public int size() {
        return size;
    }

    /** Batches in one epoch, the last one possibly partial. */
    public int batchesPerEpoch() {
        return (order.length + labels.length - 1) / labels.length;
    }

    /** The full-size input tensor (batchSize, C, H, W), for building a model before the first batch. */
    public Tensor fullInput() {
        return input;
    }

    public Dataset dataset() {
        return data;
    }
}
