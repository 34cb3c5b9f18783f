package dev.stride.testing;

import java.lang.management.ManagementFactory;
import java.util.function.IntConsumer;

/**
 * Heap allocation of code once C2 has compiled it. Until then the Vector API's vectors and masks
 * are real objects, so a test of "allocates nothing" runs its calls in batches until one batch
 * stays under the allowance, for up to 20 s in a busy test JVM.
 */
public final class Allocations {
    private static final long PATIENCE_NANOS = 20_000_000_000L;

    private Allocations() {
    }

    /**
     * Bytes per call on this thread of the last batch of {@code calls} calls of {@code call} (given
     * the call's index in its batch): the first batch under {@code allowedPerCall}, or the last one
     * tried when 20 s ran out.
     */
    public static long perCallOnceCompiled(int calls, long allowedPerCall, IntConsumer call) {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long perCall = Long.MAX_VALUE;
        long deadline = System.nanoTime() + PATIENCE_NANOS;
        while (perCall >= allowedPerCall && System.nanoTime() < deadline) {
            long before = mx.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < calls; i++) {
                call.accept(i);
            }
            perCall = (mx.getCurrentThreadAllocatedBytes() - before) / calls;
        }
        return perCall;
    }
}
