package dev.stride.examples.http;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Posts files to the classifier all at once, with the JDK's {@code HttpClient}, and prints one line
 * per file: {@code FILE: STATUS BODY}, in the order given, whatever the status. A request that gets
 * no answer at all (no server there, a connection cut) ends it with an exception.
 *
 * <pre>
 * ClassifyClient URL FILE...        e.g. http://127.0.0.1:8080/classify?top=3 photo.png
 * </pre>
 */
public final class ClassifyClient {
    private ClassifyClient() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: ClassifyClient URL FILE...   (URL as ClassifierService printed it, e.g. http://127.0.0.1:8080/classify)");
            System.exit(2);
        }
        URI uri = URI.create(args[0]);
        for (int i = 1; i < args.length; i++) {
            if (!Files.isRegularFile(Path.of(args[i]))) {
                System.err.println("ClassifyClient: " + args[i] + ": no such file; give the pictures to post after the URL");
                System.exit(2);
            }
        }
        try (HttpClient client = HttpClient.newHttpClient()) {
            List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
            for (int i = 1; i < args.length; i++) {
                HttpRequest request = HttpRequest.newBuilder(uri).POST(HttpRequest.BodyPublishers.ofFile(Path.of(args[i]))).build();
                answers.add(client.sendAsync(request, HttpResponse.BodyHandlers.ofString()));
            }
            for (int i = 1; i < args.length; i++) {
                HttpResponse<String> r = answers.get(i - 1).join();
                System.out.println(args[i] + ": " + r.statusCode() + " " + r.body().strip());
            }
        }
    }
}
