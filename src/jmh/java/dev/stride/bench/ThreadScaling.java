package dev.stride.bench;

import java.util.Locale;

/**
 * What the machine itself gives a second thread, as a ceiling for Stride's own 2-thread speed-up:
 * each thread streams over its own arrays (b[i] = a[i] + 1, then the roles swap), alone and then
 * two at once, for working sets from inside a core's L2 to well past the shared L3, alternating
 * 1 and 2 threads so that both see the same load. A training step that moves its activations
 * through memory can scale no better than the row for its working set.
 *
 * <pre>scripts/thread-scaling [rounds]</pre>
 */
public final class ThreadScaling {
    /** Bytes each thread moves per measurement (read plus write). */
    private static final long BYTES_PER_MEASUREMENT = 8L << 30;
    /** Per-thread working sets: two arrays of half this size each. */
    private static final int[] WORKING_SET_KB = {128, 1024, 4096, 16384, 131072};

    private ThreadScaling() {
    }

    public static void main(String[] args) throws InterruptedException {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        System.out.println("working set per thread | 1 thread GB/s | 2 threads GB/s (total) | 2 threads / 1 (each round)");
        for (int kb : WORKING_SET_KB) {
            int floats = kb * 1024 / Float.BYTES / 2;
            for (int i = 0; i < 20; i++) { // short calls until C2 has compiled stream itself, not only its loop
                stream(floats, BYTES_PER_MEASUREMENT / 128);
            }
            StringBuilder ratios = new StringBuilder();
            double one = 0;
            double two = 0;
            for (int r = 0; r < rounds; r++) {
                long t0 = System.nanoTime();
                stream(floats, BYTES_PER_MEASUREMENT);
                long t1 = System.nanoTime();
                Thread other = Thread.ofPlatform().start(() -> stream(floats, BYTES_PER_MEASUREMENT));
                stream(floats, BYTES_PER_MEASUREMENT);
                other.join();
                long t2 = System.nanoTime();
                one = BYTES_PER_MEASUREMENT / (double) (t1 - t0);
                two = 2 * BYTES_PER_MEASUREMENT / (double) (t2 - t1);
                ratios.append(String.format(Locale.ROOT, " %.2f", two / one));
            }
            System.out.printf(Locale.ROOT, "%8d KB | %6.1f | %6.1f |%s%n", kb, one, two, ratios);
        }
    }

    /** Moves {@code bytes} bytes through two fresh arrays of {@code floats} floats each. */
    private static void stream(int floats, long bytes) {
        float[] a = new float[floats];
        float[] b = new float[floats];
        long passes = Math.max(1, bytes / (2L * Float.BYTES * floats));
        for (long p = 0; p < passes; p++) {
            for (int i = 0; i < floats; i++) {
                b[i] = a[i] + 1f;
            }
            float[] t = a;
            a = b;
            b = t;
        }
    }
}
