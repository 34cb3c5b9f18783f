package dev.stride.tensor;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A small deterministic parallel-for: {@link #forEach} cuts {@code [0, count)} into {@link #parts()}
 * contiguous, fixed ranges (part {@code p} always gets the same indices) and runs them on the
 * calling thread and {@code parts - 1} workers of this instance.
 *
 * <p>Results never depend on timing: which thread runs a part does not matter, only the partition,
 * and a body that writes per-part partial sums reduces them in part order afterwards. When the
 * workers are busy (another model calls at the same time) or when called from inside a body, the
 * parts simply run one after another on the calling thread, with the same result.
 *
 * <p>Each thread first takes its own part (the caller part 0, worker {@code i} part {@code i}), so
 * a part's data stays in one core's cache from one call to the next; a thread that is done takes
 * any part nobody has started yet. On a machine with as many cores as parts, another process now
 * and then takes a core for a few milliseconds; a worker descheduled so, or slow to wake, used to
 * hold up the whole call until it ran its part (an occasional step took many times the median;
 * docs/design-measurements.md), where now the caller runs that part itself.
 *
 * <p>A call allocates nothing: the body is an object the caller keeps (layers create theirs once),
 * and the workers wait for a generation counter instead of queues of tasks. Instances are shared
 * per part count ({@link #of}) and their daemon workers live as long as the JVM, so building many
 * models does not start many threads.
 *
 * <p>GEMM called from a body runs on the worker: give such a model a single-threaded backend
 * (OpenBLAS set to one thread), or the backend's own threads and these compete for the cores.
 */
public final class Parallel {
    /** The system property giving the default part count (and threads) of a {@link Workspace}. */
    public static final String PROPERTY = "stride.threads";

    /** Runs one part: the indices {@code [from, to)}, part number {@code part}. */
    @FunctionalInterface
    public interface Body {
        /**
         * Runs the indices of one part.
         *
         * @param from the first index of the part
         * @param to one past the last index of the part
         * @param part the part's number, from 0
         */
        void run(int from, int to, int part);
    }

    /**
     * How long an idle worker (or the caller awaiting the workers) spins before it parks. Parallel
     * calls follow each other with gaps well under a millisecond (a small Linear, the loss between
     * them), a parked thread takes tens of microseconds to wake, and a LeNet step makes about twenty
     * calls; half a millisecond of spinning per pause is cheap next to a wake-up each time.
     */
    private static final long SPIN_NANOS = 500_000;
    /**
     * How long a thread that is done leaves another's part to its own thread before running it
     * itself: a parked worker takes tens of microseconds to wake, and taking its part sooner turned
     * two threads into one on the short calls (docs/design-measurements.md); a descheduled one,
     * milliseconds.
     */
    private static final long STEAL_AFTER_NANOS = 200_000;
    private static final Map<Integer, Parallel> SHARED = new ConcurrentHashMap<>();
    private static final Parallel SERIAL = new Parallel(1);
    private static final ThreadLocal<Boolean> INSIDE = ThreadLocal.withInitial(() -> Boolean.FALSE);

    private final int parts;
    private final ReentrantLock lock = new ReentrantLock();
    private final Thread[] workers;                        // parts - 1 of them, started on first use
    // Part p of generation g is claimed by moving claims[p] from g - 1 to g: exactly one thread
    // runs it, and a thread still looking at an older generation claims nothing.
    private final AtomicIntegerArray claims;
    private final AtomicInteger done = new AtomicInteger(); // parts of the current generation finished
    private volatile int generation;
    private volatile long publishedAt;                     // System.nanoTime() when the current generation began
    private volatile Body body;
    private volatile int count;
    private volatile Throwable failure;
    private volatile Thread caller;

    private Parallel(int parts) {
        this.parts = parts;
        this.workers = new Thread[parts - 1];
        this.claims = new AtomicIntegerArray(parts);
    }

    /**
     * The shared instance with {@code parts} parts; 1 runs everything on the calling thread.
     *
     * @param parts the number of parts, at least 1
     * @return the instance shared by every caller asking for this many parts
     */
    public static Parallel of(int parts) {
        if (parts < 1) {
            throw new IllegalArgumentException("-D" + PROPERTY + " / thread count must be at least 1, got " + parts);
        }
        return parts == 1 ? SERIAL : SHARED.computeIfAbsent(parts, Parallel::new);
    }

    /**
     * The part count from {@code -Dstride.threads} (default 1: parallelism is asked for, not assumed).
     *
     * @return the value of {@code -Dstride.threads}, or 1 when it is not set
     */
    public static int defaultParts() {
        String value = System.getProperty(PROPERTY, "1");
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("-D" + PROPERTY + "=" + value + " is not a thread count: use a whole number >= 1", e);
        }
    }

    /**
     * The number of parts {@link #forEach} cuts a range into.
     *
     * @return the part count, at least 1
     */
    public int parts() {
        return parts;
    }

    /**
     * The first index of part {@code part} when {@code count} indices are cut into {@link #parts()}.
     *
     * @param count the size of the range {@code [0, count)}
     * @param part a part number, from 0 to {@link #parts()} (the latter gives {@code count})
     * @return the index where that part starts
     */
    public int start(int count, int part) {
        return (int) ((long) count * part / parts);
    }

    /**
     * Runs {@code body} over every part of {@code [0, count)} and returns when all are done. An
     * exception thrown by any part is rethrown here (the first one, others suppressed).
     *
     * @param count the size of the range {@code [0, count)}
     * @param body what each part runs; called from several threads at once
     */
    public void forEach(int count, Body body) {
        if (parts == 1 || count <= 1 || INSIDE.get() || !lock.tryLock()) {
            for (int p = 0; p < parts; p++) {
                body.run(start(count, p), start(count, p + 1), p);
            }
            return;
        }
        try {
            startWorkers();
            this.body = body;
            this.count = count;
            this.failure = null;
            this.caller = Thread.currentThread();
            done.set(0);
            publishedAt = System.nanoTime();
            int g = ++generation; // publishes the fields above to the workers
            for (Thread w : workers) {
                LockSupport.unpark(w);
            }
            runParts(g, 0);
            awaitParts();
            this.body = null;
            Throwable t = failure;
            if (t != null) {
                rethrow(t);
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Runs part {@code own} of generation {@code g} if no thread has claimed it yet, then every other
     * part still unclaimed {@link #STEAL_AFTER_NANOS} after the call began.
     */
    private void runParts(int g, int own) {
        long published = publishedAt;
        for (int i = 0; i < parts; i++) {
            int part = (own + i) % parts;
            while (i > 0 && claims.get(part) == g - 1 && System.nanoTime() - published < STEAL_AFTER_NANOS
                    && generation == g) {
                Thread.onSpinWait();
            }
            if (claims.compareAndSet(part, g - 1, g)) {
                // Claimed for generation g, which therefore is not finished: body and count are its own.
                runPart(body, count, part);
                if (done.incrementAndGet() == parts) {
                    LockSupport.unpark(caller);
                }
            }
        }
    }

    private void runPart(Body b, int n, int part) {
        INSIDE.set(Boolean.TRUE);
        try {
            b.run(start(n, part), start(n, part + 1), part);
        } catch (Throwable t) {
            if (failure == null) {
                failure = t;
            }
        } finally {
            INSIDE.set(Boolean.FALSE);
        }
    }

    private void awaitParts() {
        long start = System.nanoTime();
        while (done.get() != parts) {
            if (System.nanoTime() - start < SPIN_NANOS) {
                Thread.onSpinWait();
            } else {
                LockSupport.parkNanos(this, 20_000);
            }
        }
    }

    private void startWorkers() {
        if (workers.length > 0 && workers[0] == null) {
            for (int i = 0; i < workers.length; i++) {
                int part = i + 1;
                workers[i] = Thread.ofPlatform().daemon().name("stride-parallel-" + parts + "-" + part)
                        .start(() -> work(part));
            }
        }
    }

    private void work(int part) {
        int seen = 0;
        while (true) {
            long idleSince = System.nanoTime();
            while (generation == seen) {
                if (System.nanoTime() - idleSince < SPIN_NANOS) {
                    Thread.onSpinWait();
                } else {
                    LockSupport.park(this);
                }
            }
            seen = generation;
            runParts(seen, part);
        }
    }

    private static void rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            throw r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        throw new IllegalStateException(t);
    }
}
