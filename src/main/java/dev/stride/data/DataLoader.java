package dev.stride.data;

import dev.stride.tensor.Tensor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * Walks an {@link ImageDataset} in mini-batches, writing each batch of normalised pixels straight
 * into one off-heap input tensor that is allocated once.
 *
 * <pre>{@code
 * try (DataLoader loader = new DataLoader(data, norm, spec, transforms, arena)) {
 *     for (int epoch = 0; epoch < epochs; epoch++) {
 *         loader.startEpoch(epoch);
 *         while (loader.next()) {
 *             model.forward(loader.input());   // (n, C, H, W), n = loader.size()
 *             loss.forward(scores, loader.labels());
 *         }
 *     }
 * }
 * }</pre>
 *
 * <p>An epoch depends only on the spec's seed and the epoch number, never on what ran before or on
 * which thread decoded what, so runs are reproducible and a resumed run sees the same batches.
 *
 * <p>Two paths. Data in memory without transforms is copied and shifted in place, allocating nothing
 * per batch. Otherwise each item is read (decoded, for image files), transformed with a generator
 * seeded by (seed, epoch, position) and normalised, on the loader's own threads ahead of the step
 * when the data decodes files; an image that cannot be decoded is reported once and skipped, so a
 * batch may then be smaller, or ends the run, as the spec says.
 */
public final class DataLoader implements AutoCloseable {
    private final ImageDataset data;
    private final Dataset memory;           // data when the in-place path applies, else null
    private final LoaderSpec spec;
    private final List<ImageTransform> pipeline;
    private final float[][] tables;  // (channels, 256): normalised value of each pixel byte
    private final int[] order;       // (count) item visited at each step of the epoch
    private final float[] sample;    // (C*H*W) one normalised image, copied into the tensor in one call
    private final Tensor input;      // (batchSize, C, H, W), H and W after the transforms
    private final Tensor lastInput;  // (count % batchSize, C, H, W) view of input, or input itself
    private final int[] labels;      // (batchSize) labels of the current batch; the first size() are valid
    private final Prefetcher<Item> prefetch; // null: items are made on the caller's thread
    private final Set<Integer> reported = new HashSet<>();
    private Consumer<String> warnings = System.err::println;
    private SplittableRandom random;
    private int epoch;
    private int cursor;
    private int size;
    private int skipped;

    /** One item after reading, transforming and normalising, or why it could not be read. */
    private record Item(int index, float[] pixels, Exception failure) {
    }

    /**
     * A loader without transforms. Not thread-safe: one thread calls {@link #next()} (the loader's own
     * threads decode ahead).
     *
     * @param arena owns the input tensor; the loader never closes it
     * @param data the images and labels
     * @param norm the input normalisation
     * @param spec batch size, order, augmentation and workers
     */
    public DataLoader(ImageDataset data, Normalization norm, LoaderSpec spec, Arena arena) {
        this(data, norm, spec, List.of(), arena);
    }

    /**
     * A loader that transforms each image. Not thread-safe: one thread calls {@link #next()} (the loader's
     * own threads decode ahead).
     *
     * @param transforms applied to each image in order, before normalisation
     * @param arena      owns the input tensor; the loader never closes it
     * @param data the images and labels
     * @param norm the input normalisation, one mean and deviation per channel
     * @param spec batch size, order, augmentation and workers
     */
    public DataLoader(ImageDataset data, Normalization norm, LoaderSpec spec, List<ImageTransform> transforms, Arena arena) {
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
        this.memory = data instanceof Dataset d && transforms.isEmpty() ? d : null;
        List<ImageTransform> steps = new ArrayList<>();
        if (memory == null && spec.maxShift() > 0) {
            // A shift with a zero border is a crop of the image padded by the shift, at its own size.
            steps.add(Transforms.randomCrop(data.height(), data.width(), spec.maxShift()));
        }
        steps.addAll(transforms);
        this.pipeline = List.copyOf(steps);
        int[] hw = Transforms.outputSize(pipeline, data.height(), data.width());
        this.tables = new float[data.channels()][];
        for (int c = 0; c < tables.length; c++) {
            tables[c] = norm.table(c);
        }
        int batch = Math.min(spec.batchSize(), data.count());
        this.order = new int[data.count()];
        this.sample = new float[data.channels() * hw[0] * hw[1]];
        this.input = Tensor.zeros(arena, dev.stride.tensor.Shape.of(batch, data.channels(), hw[0], hw[1]));
        int rest = data.count() % batch;
        this.lastInput = rest == 0 ? input : input.firstBatch(rest);
        this.labels = new int[batch];
        int workers = spec.workers() >= 0 ? spec.workers()
                : data.inMemory() ? 0 : Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors()));
        this.prefetch = memory == null && workers > 0 ? new Prefetcher<>(workers, 2 * batch, this::load) : null;
        startEpoch(0);
    }

    /**
     * Where skipped images are reported (one line each, once per image); standard error by default.
     *
     * @param sink receives one line per skipped image
     * @return this loader
     */
    public DataLoader onWarning(Consumer<String> sink) {
        this.warnings = sink;
        return this;
    }

    /**
     * Rewinds to the start of {@code epoch}, in that epoch's order.
     *
     * @param epoch the epoch's number, which with the spec's seed fixes the order and the augmentation
     */
    public void startEpoch(int epoch) {
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        this.epoch = epoch;
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
        if (prefetch != null) {
            prefetch.restart(order.length);
        }
        cursor = 0;
        size = 0;
    }

    /**
     * Loads the next batch into {@link #input()} and {@link #labels()}; false once the epoch is done.
     *
     * @return true when a batch was loaded
     */
    public boolean next() {
        if (cursor >= order.length) {
            size = 0;
            return false;
        }
        long sampleBytes = (long) sample.length * Float.BYTES;
        MemorySegment dst = input.segment();
        long base = input.offset() * Float.BYTES;
        if (memory != null) {
            size = Math.min(labels.length, order.length - cursor);
            for (int b = 0; b < size; b++) {
                int item = order[cursor + b];
                labels[b] = memory.label(item);
                int dy = spec.maxShift() == 0 ? 0 : random.nextInt(-spec.maxShift(), spec.maxShift() + 1);
                int dx = spec.maxShift() == 0 ? 0 : random.nextInt(-spec.maxShift(), spec.maxShift() + 1);
                fillSample(item, dy, dx);
                MemorySegment.copy(sample, 0, dst, Tensor.FLOAT, base + b * sampleBytes, sample.length);
            }
            cursor += size;
            return true;
        }
        int n = 0;
        while (n < labels.length && cursor < order.length) {
            int position = cursor++;
            Item item = prefetch != null ? prefetch.next(position) : load(position);
            if (item.failure() != null) {
                broken(item);
                continue;
            }
            labels[n] = data.label(item.index());
            MemorySegment.copy(item.pixels(), 0, dst, Tensor.FLOAT, base + n * sampleBytes, sample.length);
            n++;
        }
        size = n;
        return n > 0;
    }

    // Runs on a loader thread: everything here depends on the position and the epoch alone.
    private Item load(int position) {
        int index = order[position];
        try {
            byte[] raw = new byte[data.sampleSize()];
            data.read(index, raw);
            SplittableRandom r = new SplittableRandom((spec.seed() * 0x9E3779B97F4A7C15L + epoch) * 0xBF58476D1CE4E5B9L + position);
            U8Image img = Transforms.apply(pipeline, new U8Image(raw, data.channels(), data.height(), data.width()), r);
            byte[] px = img.pixels();
            int plane = img.height() * img.width();
            float[] out = new float[px.length];
            for (int c = 0; c < tables.length; c++) {
                float[] table = tables[c];
                for (int k = c * plane; k < (c + 1) * plane; k++) {
                    out[k] = table[Byte.toUnsignedInt(px[k])];
                }
            }
            return new Item(index, out, null);
        } catch (IOException | RuntimeException e) {
            return new Item(index, null, e);
        }
    }

    private void broken(Item item) {
        Exception e = item.failure();
        if (!(e instanceof IOException io)) {
            throw e instanceof RuntimeException r ? r : new IllegalStateException(e);
        }
        if (!spec.skipBroken()) {
            throw new UncheckedIOException(io.getMessage() + "\nfix or remove the file, or let the loader skip broken images", io);
        }
        skipped++;
        if (reported.add(item.index())) {
            warnings.accept("stride: warning: skipped " + io.getMessage());
        }
    }

    /**
     * Image {@code item}, normalised and moved down by {@code dy} and right by {@code dx}, the
     * uncovered border at the value of a 0 pixel; returns the loader's own (C*H*W) buffer. Only for
     * data held in memory without transforms.
     */
    float[] fillSample(int item, int dy, int dx) {
        int h = memory.height();
        int w = memory.width();
        long src = (long) item * sample.length;
        int dst = 0;
        for (int c = 0; c < tables.length; c++) {
            float[] table = tables[c];
            for (int y = 0; y < h; y++) {
                int sy = y - dy;
                for (int x = 0; x < w; x++, dst++) {
                    int sx = x - dx;
                    boolean inside = sy >= 0 && sy < h && sx >= 0 && sx < w;
                    sample[dst] = table[inside ? memory.pixelAt(src + ((long) c * h + sy) * w + sx) : 0];
                }
            }
        }
        return sample;
    }

    /**
     * The current batch: (size(), C, H, W), a view of the one preallocated tensor.
     *
     * @return the batch's input
     */
    public Tensor input() {
        if (size == 0) {
            throw new IllegalStateException("no current batch: call next() first (and only while it returns true)");
        }
        if (size == labels.length) {
            return input;
        }
        // A batch shortened by skipped images needs a view of its own; that is rare enough to allocate.
        return size == lastInput.shape().dim(0) ? lastInput : input.firstBatch(size);
    }

    /**
     * Labels of the current batch; only the first {@link #size()} entries belong to it.
     *
     * @return the loader's label array, overwritten by the next batch
     */
    public int[] labels() {
        return labels;
    }

    /**
     * Items in the current batch: the batch size, or fewer for the last batch of an epoch.
     *
     * @return the batch's size
     */
    public int size() {
        return size;
    }

    /**
     * Batches in one epoch, the last one possibly partial (fewer when broken images are skipped).
     *
     * @return the batch count
     */
    public int batchesPerEpoch() {
        return (order.length + labels.length - 1) / labels.length;
    }

    /**
     * Images skipped as broken since the loader was made (an image broken in every epoch counts each time).
     *
     * @return the count
     */
    public int skipped() {
        return skipped;
    }

    /**
     * The full-size input tensor (batchSize, C, H, W), for building a model before the first batch.
     *
     * @return the tensor every batch is a view of
     */
    public Tensor fullInput() {
        return input;
    }

    /**
     * The data set this loader walks.
     *
     * @return the data set
     */
    public ImageDataset dataset() {
        return data;
    }

    /** Stops the decoding threads, if any; the input tensor belongs to the arena and stays. */
    @Override
    public void close() {
        if (prefetch != null) {
            prefetch.close();
        }
    }
}
