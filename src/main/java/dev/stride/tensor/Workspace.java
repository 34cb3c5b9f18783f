package dev.stride.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Scratch memory shared by the layers of one model: each layer {@link #reserve reserves} what its
 * largest step needs while it is built, and all of them then use one segment sized to the largest
 * reservation. Layers run one after another, so they never need their scratch at the same time.
 *
 * <p>The memory comes from the arena the workspace was made with and is freed when that arena
 * closes. A reservation larger than the segment already handed out allocates a bigger one (this
 * happens only while layers are built, never in a training step).
 *
 * <p>The workspace also says how many threads the model's layers split their work across
 * ({@link #parallel()}); layers that run parts at once reserve scratch for every part.
 */
public final class Workspace {
    private final Arena arena;
    private final Parallel parallel;
    private long reservedFloats;
    private MemorySegment segment = MemorySegment.NULL;

    /** A workspace whose layers use {@code -Dstride.threads} threads (default 1). */
    public Workspace(Arena arena) {
        this(arena, Parallel.defaultParts());
    }

    /**
     * A workspace whose layers split their work across {@code threads} threads. More than one
     * thread needs an arena whose memory other threads may use ({@link Arena#ofShared()}).
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

    /** How the layers sharing this workspace split their work. */
    public Parallel parallel() {
        return parallel;
    }

    /** Makes sure {@link #segment()} holds at least {@code floats} floats. */
    public void reserve(long floats) {
        if (floats < 0) {
            throw new IllegalArgumentException("cannot reserve " + floats + " floats");
        }
        reservedFloats = Math.max(reservedFloats, floats);
    }

    /** The scratch segment, at least as large as every reservation so far. */
    public MemorySegment segment() {
        if (segment.byteSize() < reservedFloats * Float.BYTES) {
            segment = arena.allocate(reservedFloats * Float.BYTES, Tensor.ALIGNMENT);
        }
        return segment;
    }

    public long reservedFloats() {
        return reservedFloats;
    }
}
