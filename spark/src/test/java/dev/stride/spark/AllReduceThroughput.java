package dev.stride.spark;

import dev.stride.nn.BuildOptions;
import dev.stride.nn.Layer;
import dev.stride.nn.Models;
import dev.stride.tensor.Shape;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The all-reduce's time per step on this machine's loopback, for the gradients of LeNet-5,
 * ResNet-20 and ResNet-50, with workers as threads of one JVM: the sanity check of the scaling
 * model in docs/spark.md (not a test: timings belong in a script, not in assertions).
 * Run: java -cp spark/target/test-classes:spark/target/classes:spark/target/lib/* dev.stride.spark.AllReduceThroughput [workers...]
 */
public final class AllReduceThroughput {
    private AllReduceThroughput() {
    }

    public static void main(String[] args) throws Exception {
        int[] workerCounts = args.length == 0 ? new int[] {2, 4} : java.util.Arrays.stream(args).mapToInt(Integer::parseInt).toArray();
        String[] names = {"lenet5", "resnet20", "resnet50"};
        for (String name : names) {
            long floats = parameters(name) + ShardStep.TAIL;
            for (int n : workerCounts) {
                int steps = floats > 10_000_000 ? 5 : 50;
                double seconds = time(n, floats, steps);
                double bytesPerWorker = 2.0 * (n - 1) / n * floats * Float.BYTES;
                System.out.printf(Locale.ROOT, "%-9s %,12d floats  %d workers  %8.2f ms/step  %7.2f GB/s per worker (2(n-1)/n of the bytes)%n",
                        name, floats, n, seconds * 1e3, bytesPerWorker / seconds / 1e9);
            }
        }
    }

    static long parameters(String name) {
        Models.Name m = Models.Name.valueOf(name);
        Layer net = Models.byName(m);
        int[] in = Models.inputShape(m);
        try (Arena arena = Arena.ofConfined()) {
            net.build(Shape.of(1, in[0], in[1], in[2]), arena, BuildOptions.inference().withThreads(1));
            return net.parameterCount();
        }
    }

    /** Seconds per sum() of {@code floats} over {@code n} threads, after 5 untimed steps. */
    static double time(int n, long floats, int steps) throws Exception {
        List<ServerSocketChannel> servers = new ArrayList<>();
        List<InetSocketAddress> addresses = new ArrayList<>();
        for (int r = 0; r < n; r++) {
            servers.add(AllReduce.listen("127.0.0.1"));
            addresses.add((InetSocketAddress) servers.getLast().getLocalAddress());
        }
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            List<Future<Double>> results = new ArrayList<>();
            for (int r = 0; r < n; r++) {
                int rank = r;
                results.add(pool.submit(() -> {
                    try (AllReduce reduce = AllReduce.connect(rank, addresses, servers.get(rank), floats, Duration.ofSeconds(60))) {
                        for (int i = 0; i < 5; i++) {
                            reduce.sum();
                        }
                        long t0 = System.nanoTime();
                        for (int i = 0; i < steps; i++) {
                            reduce.sum();
                        }
                        return (System.nanoTime() - t0) / 1e9 / steps;
                    } catch (IOException e) {
                        throw new IllegalStateException(e);
                    }
                }));
            }
            double worst = 0;
            for (Future<Double> f : results) {
                worst = Math.max(worst, f.get());
            }
            return worst;
        } finally {
            pool.shutdownNow();
        }
    }
}
