package dev.stride.spark;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.channels.ServerSocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The socket all-reduce with threads as workers on the loopback: sums, bits, and the ways it fails. */
class AllReduceTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(2);

    interface Worker {
        float[] run(AllReduce reduce) throws Exception;
    }

    /** Runs {@code worker} on {@code n} threads joined by one mesh of {@code floats[rank]} floats; returns each rank's result. */
    static List<Future<float[]>> mesh(int n, long[] floats, Worker worker, ExecutorService pool) throws IOException {
        List<ServerSocketChannel> servers = new ArrayList<>();
        List<InetSocketAddress> addresses = new ArrayList<>();
        for (int r = 0; r < n; r++) {
            ServerSocketChannel s = AllReduce.listen("127.0.0.1");
            servers.add(s);
            addresses.add((InetSocketAddress) s.getLocalAddress());
        }
        List<Future<float[]>> results = new ArrayList<>();
        for (int r = 0; r < n; r++) {
            int rank = r;
            results.add(pool.submit(() -> {
                try (AllReduce reduce = AllReduce.connect(rank, addresses, servers.get(rank), floats[rank], TIMEOUT)) {
                    return worker.run(reduce);
                }
            }));
        }
        return results;
    }

    static float[] random(long seed, int floats) {
        Random rnd = new Random(seed);
        float[] x = new float[floats];
        for (int i = 0; i < floats; i++) {
            x[i] = (float) rnd.nextGaussian() * (1 + rnd.nextInt(1000));
        }
        return x;
    }

    @ParameterizedTest
    @CsvSource({"2, 1001", "3, 100003", "4, 3", "5, 2", "1, 10"})
    void everyWorkerGetsTheRankOrderSumBitForBit(int n, int floats) throws Exception {
        float[] expected = new float[floats];
        for (int r = 0; r < n; r++) {
            float[] x = random(r * 31L + 1, floats); // the last step's
            for (int i = 0; i < floats; i++) {
                expected[i] = r == 0 ? x[i] : expected[i] + x[i];
            }
        }
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            long[] lengths = new long[n];
            java.util.Arrays.fill(lengths, floats);
            List<Future<float[]>> results = mesh(n, lengths, reduce -> {
                float[] last = null;
                for (int step = 0; step < 2; step++) {
                    MemorySegment buf = reduce.buffer();
                    MemorySegment.copy(random(reduce.rank() * 31L + step, floats), 0, buf, ValueLayout.JAVA_FLOAT, 0, floats);
                    reduce.sum();
                    last = buf.toArray(ValueLayout.JAVA_FLOAT);
                }
                return last;
            }, pool);
            for (Future<float[]> f : results) {
                assertArrayEquals(expected, f.get(), "the sum of the last step, added in rank order");
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aPortNobodyListensOnIsAClearErrorNamingHostAndPort() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        InetSocketAddress dead = new InetSocketAddress("127.0.0.1", port);
        try (ServerSocketChannel mine = AllReduce.listen("127.0.0.1")) {
            List<InetSocketAddress> addresses = List.of(dead, (InetSocketAddress) mine.getLocalAddress());
            IOException e = assertThrows(IOException.class,
                    () -> AllReduce.connect(1, addresses, mine, 10, Duration.ofMillis(500)));
            assertTrue(e.getMessage().contains("could not connect to worker 0 at 127.0.0.1:" + port + " within"), e.getMessage());
        }
    }

    @Test
    void aWorkerThatDiesMidStepFailsTheOthersNamingIt() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            List<Future<float[]>> results = mesh(2, new long[]{1000, 1000}, reduce -> {
                if (reduce.rank() == 1) {
                    reduce.close(); // dies: its connections close before the step
                    return null;
                }
                reduce.sum();
                return null;
            }, pool);
            ExecutionException e = assertThrows(ExecutionException.class, () -> results.get(0).get());
            assertTrue(e.getCause().getMessage().contains("lost worker 1 at 127.0.0.1:"), e.getCause().getMessage());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aWorkerThatNeverSendsTimesOutNamingIt() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            List<Future<float[]>> results = mesh(2, new long[]{1000, 1000}, reduce -> {
                if (reduce.rank() == 1) {
                    Thread.sleep(TIMEOUT.toMillis() * 2); // stuck, connection open
                    return null;
                }
                reduce.sum();
                return null;
            }, pool);
            ExecutionException e = assertThrows(ExecutionException.class, () -> results.get(0).get());
            assertTrue(e.getCause().getMessage().contains("waited 2 s for its part of the vector from worker 1 at 127.0.0.1:"),
                    e.getCause().getMessage());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void workersWithVectorsOfOtherLengthsAreRefusedAtConnect() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            List<Future<float[]>> results = mesh(2, new long[]{1000, 999}, reduce -> null, pool);
            ExecutionException e = assertThrows(ExecutionException.class, () -> results.get(1).get());
            assertTrue(e.getCause().getMessage().contains("sums 999 floats but worker 0"), e.getCause().getMessage());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void anotherThreadIsRefusedAndAClosedReduceToo() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try (ServerSocketChannel s = AllReduce.listen("127.0.0.1")) {
            AllReduce alone = AllReduce.connect(0, List.of((InetSocketAddress) s.getLocalAddress()), s, 4, TIMEOUT);
            Future<?> other = pool.submit(() -> alone.buffer());
            ExecutionException e = assertThrows(ExecutionException.class, other::get);
            assertTrue(e.getCause().getMessage().contains("not thread-safe"), e.getCause().getMessage());
            alone.close();
            assertEquals("all-reduce of worker 0 is closed", assertThrows(IllegalStateException.class, alone::sum).getMessage());
        } finally {
            pool.shutdownNow();
        }
    }
}
