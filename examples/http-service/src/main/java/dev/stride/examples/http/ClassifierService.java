package dev.stride.examples.http;

import com.sun.net.httpserver.HttpServer;
import dev.stride.infer.BatchingOptions;
import dev.stride.infer.BatchingPredictor;
import dev.stride.infer.InferenceModel;
import dev.stride.infer.InferenceOptions;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * An image classifier over HTTP with nothing but the JDK's {@code HttpServer}: {@code POST /classify}
 * with a PNG, JPEG, BMP or GIF as the body answers the checkpoint's top classes as JSON
 * ({@link ClassifyHandler}).
 *
 * <pre>
 * ClassifierService CHECKPOINT [--port P] [--threads N] [--max-bytes B]
 * </pre>
 *
 * The model is loaded once. Requests are handled on a pool of threads, each of which decodes its
 * picture and hands it to one {@link BatchingPredictor}, whose workers run the pictures of
 * concurrent requests as one batch, each worker with a predictor (activations) of its own over the
 * shared weights. SIGTERM or Ctrl-C stops the server: it stops accepting, lets the requests in
 * flight finish, then frees the predictors and the model's native memory.
 */
public final class ClassifierService {
    private final HttpServer server;
    private final ExecutorService handlers;
    private final BatchingPredictor front;
    private final InferenceModel model;

    private ClassifierService(HttpServer server, ExecutorService handlers, BatchingPredictor front, InferenceModel model) {
        this.server = server;
        this.handlers = handlers;
        this.front = front;
        this.model = model;
    }

    /** Loads the model, starts its batching workers and the server on {@code port} of the loopback address (0: any free port). */
    public static ClassifierService start(Path checkpoint, int port, int threads, int maxBytes) throws IOException {
        int cores = Runtime.getRuntime().availableProcessors();
        InferenceModel model = InferenceModel.load(checkpoint, InferenceOptions.defaults().withMaxBatch(16));
        try {
            // One worker per core, each running whole batches on one thread; a request waits at most
            // 2 ms for others to share its batch.
            BatchingPredictor front = BatchingPredictor.start(model,
                    BatchingOptions.defaults(model).withWorkers(cores).withMaxWait(Duration.ofMillis(2)));
            // The loopback only: put a proxy in front, or bind another address, to serve a network.
            HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 0);
            ExecutorService handlers = Executors.newFixedThreadPool(threads);
            server.setExecutor(handlers);
            server.createContext("/classify", new ClassifyHandler(front, maxBytes));
            server.start();
            return new ClassifierService(server, handlers, front, model);
        } catch (IOException | RuntimeException e) {
            model.close();   // closes the front's predictors too
            throw e;
        }
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** Stops accepting, waits up to 5 s for the requests in flight, answers what is queued, frees the native memory. */
    public void stop() throws InterruptedException {
        server.stop(5);
        handlers.shutdown();
        handlers.awaitTermination(5, TimeUnit.SECONDS);
        front.close();
        model.close();
    }

    /** A positional argument; an unknown option is refused. */
    private static String positional(String arg) {
        if (arg.startsWith("-")) {
            throw new IllegalArgumentException("unknown option " + arg);
        }
        return arg;
    }

    public static void main(String[] args) throws Exception {
        Path checkpoint = null;
        int port = 8080;
        int threads = 4 * Runtime.getRuntime().availableProcessors();   // they mostly wait for the workers
        int maxBytes = 10 << 20;
        try {
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--port" -> port = Integer.parseInt(args[++i]);
                    case "--threads" -> threads = Integer.parseInt(args[++i]);
                    case "--max-bytes" -> maxBytes = Integer.parseInt(args[++i]);
                    default -> checkpoint = Path.of(positional(args[i]));
                }
            }
        } catch (RuntimeException e) {   // an unknown option, a missing value or one that is not a number
            checkpoint = null;
        }
        if (checkpoint == null) {
            System.err.println("usage: ClassifierService CHECKPOINT [--port P (default 8080; 0: any free one)] [--threads N] [--max-bytes B]");
            System.exit(2);
        }
        ClassifierService service = start(checkpoint, port, threads, maxBytes);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                service.stop();
                System.out.println("stopped: server closed, predictors and model freed");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "classifier-shutdown"));
        List<String> names = service.model.classNames();
        System.out.printf("listening on http://127.0.0.1:%d/classify (pid %d): %d classes %s, %d handler threads%n",
                service.port(), ProcessHandle.current().pid(), service.model.classes(), names, threads);
    }
}
