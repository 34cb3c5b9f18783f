package dev.stride.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Scratch memory shared by the layers of one model: each layer {@link #reservePerPart reserves} what
 * one part of its largest step needs while it is built, and all of them then use one segment with
 * an area per part, each sized to the largest reservation. Layers run one after another, so they
 * never need their scratch at the same time.
 *
 * <p>Part {@code p}'s area starts at {@link #partOffset}{@code (p)} for every layer, so it is
 * written by the thread that runs part {@code p} (almost always the same one, see {@link Parallel})
 * and stays in that core's cache. With each layer striding by its own part size instead, one
 * layer's second part overlapped the next layer's first, and every step moved those lines from one
 * core's cache to the other's (docs/design-measurements.md). A gap of {@link #PART_GAP_FLOATS}
 * separates the areas.
 *
 * <p>The memory comes from the arena the workspace was made with and is freed when that arena
 * closes. A reservation larger than the segment already handed out allocates a bigger one (this
 * happens only while layers are built, never in a training step).
 *
 * <p>The workspace also says how many threads the model's layers split their work across
 * ({@link #parallel()}); layers that run parts at once reserve scratch for every part.
 */
public final class Workspace {
    /**
     * Floats left unused between two parts' areas (64 KB). With the areas adjacent, LeNet's conv1
     * forward gained nothing from a second thread, with a gap it did (docs/design-measurements.md):
     * each thread's reads near the end of its own area evidently pull in the lines the other thread
     * is writing at the start of its area (the hardware prefetcher running ahead), so they trade
     * cache lines on every sample.
     */
    static final long PART_GAP_FLOATS = 1 << 14;

    private final Arena arena;
    private final Parallel parallel;
    private long partFloats;       // the largest reservation of one part
    private MemorySegment segment = MemorySegment.NULL;

    /**
     * A workspace whose layers use {@code -Dstride.threads} threads (default 1).
     *
     * @param arena owns the scratch memory; the workspace never closes it
     */
    public Workspace(Arena arena) {
        this(arena, Parallel.defaultParts());
    }

    /**
     * A workspace whose layers split their work across {@code threads} threads. More than one
     * thread needs an arena whose memory other threads may use ({@link Arena#ofShared()}).
     *
     * @param arena owns the scratch memory; the workspace never closes it
     * @param threads the part count, at least 1
     */
    public Workspace(Arena arena, int threads) {
        if (threads > 1 && !arena.allocate(1).isAccessibleBy(NOT_AN_OWNER)) {
            throw new IllegalArgumentException("a model split over " + threads + " threads needs memory its worker "
                    + "threads can read, but this arena is confined to one thread: build it in Arena.ofShared(), "
                    + "or use 1 thread");
        }
        this.arena = arena;
        this.parallel = Parallel.of(threads);
    }

    // A thread that never runs: memory it may access, any thread may.
    private static final Thread NOT_AN_OWNER = Thread.ofVirtual().unstarted(() -> { });

    /**
     * How the layers sharing this workspace split their work.
     *
     * @return the shared {@link Parallel} with this workspace's part count
     */
    public Parallel parallel() {
        return parallel;
    }

    /**
     * Makes sure every part's area of {@link #segment()} holds at least {@code floats} floats.
     *
     * @param floats the scratch one part needs
     */
    public void reservePerPart(long floats) {
        if (floats < 0) {
            throw new IllegalArgumentException("cannot reserve " + floats + " floats");
        }
        partFloats = Math.max(partFloats, floats);
    }

    /**
     * Where part {@code part}'s area starts in {@link #segment()}, in floats. It moves while layers
     * reserve more, so layers ask at run time rather than keep it from their build.
     *
     * @param part the part number, from 0
     * @return the offset of its area, in floats
     */
    public long partOffset(int part) {
        return part * partStride();
    }

    /** Floats from one part's area to the next: the largest reservation, the gap, whole cache lines. */
    private long partStride() {
        if (parallel.parts() == 1) {
            return partFloats;
        }
        long lineFloats = Tensor.ALIGNMENT / Float.BYTES;
        return Math.ceilDiv(partFloats + PART_GAP_FLOATS, lineFloats) * lineFloats;
    }

    /**
     * The scratch segment, with an area per part at least as large as every reservation so far.
     *
     * @return the current segment; a larger reservation may replace it
     */
    public MemorySegment segment() {
        long floats = parallel.parts() * partStride();
        if (segment.byteSize() < floats * Float.BYTES) {
            segment = arena.allocate(floats * Float.BYTES, Tensor.ALIGNMENT);
        }
        return segment;
    }

    /**
     * The largest reservation of one part so far.
     *
     * @return that reservation, in floats
     */
    public long reservedFloatsPerPart() {
        return partFloats;
    }
}
