package dev.stride.tensor;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ParallelTest {

    @Test
    void partsAreFixedContiguousAndCoverEveryIndexOnce() {
        Parallel p = Parallel.of(3);
        for (int count : new int[] {0, 1, 2, 3, 7, 64, 1000}) {
            int[] hits = new int[count];
            int[][] ranges = new int[3][];
            p.forEach(count, (from, to, part) -> {
                ranges[part] = new int[] {from, to};
                for (int i = from; i < to; i++) {
                    hits[i]++;
                }
            });
            for (int i = 0; i < count; i++) {
                assertEquals(1, hits[i], "index " + i + " of " + count);
            }
            for (int part = 0; part < 3; part++) {
                assertArrayEquals(new int[] {p.start(count, part), p.start(count, part + 1)}, ranges[part],
                        "part " + part + " of " + count);
            }
        }
    }

    /**
     * Whichever thread ends up running a part (its own thread, or one that found it unclaimed), every
     * part runs exactly once per call and the call returns only when all have finished: thousands of
     * calls with parts of random lengths, so that threads arrive late and take each other's parts.
     */
    @Test
    void everyPartRunsExactlyOnceAndBeforeTheCallReturnsWhoeverRunsIt() {
        SplittableRandom random = new SplittableRandom(11);
        for (int parts : new int[] {2, 3}) {
            Parallel p = Parallel.of(parts);
            AtomicIntegerArray runs = new AtomicIntegerArray(parts);
            ConcurrentHashMap<Thread, Boolean> threads = new ConcurrentHashMap<>();
            for (int call = 0; call < 3000; call++) {
                long[] spin = new long[parts];
                for (int i = 0; i < parts; i++) {
                    spin[i] = random.nextInt(4) == 0 ? random.nextLong(300_000) : 0; // up to 0.3 ms, a quarter of the parts
                }
                for (int i = 0; i < parts; i++) {
                    runs.set(i, 0);
                }
                p.forEach(7, (from, to, part) -> {
                    threads.put(Thread.currentThread(), true);
                    long until = System.nanoTime() + spin[part];
                    while (System.nanoTime() < until) {
                        Thread.onSpinWait();
                    }
                    runs.incrementAndGet(part);
                });
                for (int i = 0; i < parts; i++) {
                    assertEquals(1, runs.get(i), parts + " parts, call " + call + ": part " + i + " ran " + runs.get(i) + " times by the return");
                }
            }
            assertTrue(threads.size() > 1, parts + " parts: every call ran on one thread");
        }
    }

    @Test
    void runsOnSeveralThreadsAndSharesInstances() {
        Parallel p = Parallel.of(2);
        assertSame(p, Parallel.of(2));
        assertEquals(1, Parallel.of(1).parts());
        ConcurrentHashMap<Thread, Boolean> threads = new ConcurrentHashMap<>();
        for (int i = 0; i < 50 && threads.size() < 2; i++) {
            p.forEach(2, (from, to, part) -> threads.put(Thread.currentThread(), true));
        }
        assertEquals(2, threads.size(), "the second part should run on a worker");
    }

    @Test
    void anExceptionInAPartReachesTheCaller() {
        Parallel p = Parallel.of(2);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> p.forEach(10, (from, to, part) -> {
            if (part == 1) {
                throw new IllegalStateException("part 1 failed");
            }
        }));
        assertEquals("part 1 failed", e.getMessage());
        AtomicInteger sum = new AtomicInteger();
        p.forEach(10, (from, to, part) -> sum.addAndGet(to - from));
        assertEquals(10, sum.get(), "the pool still works after a failure");
    }

    @Test
    void nestedAndConcurrentCallsRunTheirPartsAnyway() throws InterruptedException {
        Parallel p = Parallel.of(2);
        AtomicInteger inner = new AtomicInteger();
        p.forEach(4, (from, to, part) -> p.forEach(6, (f, t, q) -> inner.addAndGet(t - f)));
        assertEquals(12, inner.get(), "each outer part runs the whole inner range");

        int callers = 4;
        CountDownLatch go = new CountDownLatch(1);
        AtomicInteger total = new AtomicInteger();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread[] threads = new Thread[callers];
        for (int c = 0; c < callers; c++) {
            threads[c] = Thread.ofPlatform().start(() -> {
                try {
                    go.await();
                    for (int i = 0; i < 200; i++) {
                        p.forEach(100, (from, to, part) -> total.addAndGet(to - from));
                    }
                } catch (Throwable t) {
                    failure.set(t);
                }
            });
        }
        go.countDown();
        for (Thread t : threads) {
            t.join();
        }
        assertEquals(null, failure.get());
        assertEquals(callers * 200 * 100, total.get());
    }

    @Test
    void badThreadCountsAreRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Parallel.of(0));
        assertTrue(e.getMessage().contains("at least 1"), e.getMessage());
        String old = System.getProperty(Parallel.PROPERTY);
        try {
            System.setProperty(Parallel.PROPERTY, "two");
            IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, Parallel::defaultParts);
            assertTrue(bad.getMessage().contains("stride.threads=two"), bad.getMessage());
        } finally {
            if (old == null) {
                System.clearProperty(Parallel.PROPERTY);
            } else {
                System.setProperty(Parallel.PROPERTY, old);
            }
        }
    }
}
