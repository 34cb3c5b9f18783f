package dev.stride.examples.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import dev.stride.data.ImageDecoder;
import dev.stride.infer.BatchingPredictor;
import dev.stride.infer.ClassProbability;
import dev.stride.infer.Prediction;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@code POST /classify[?top=K]}, the body an encoded picture: answers
 * {@code {"predictions":[{"class":"7","probability":0.9812},...]}}, the K (default 3) most probable
 * classes first. A body that is not a picture, or is larger than the limit, gets 400 and
 * {@code {"error":"..."}} with one line saying why; a full queue 503; another method 405.
 */
final class ClassifyHandler implements HttpHandler {
    private static final int DEFAULT_TOP = 3;
    private static final long ANSWER_SECONDS = 30;

    private final BatchingPredictor front;
    private final int maxBytes;

    ClassifyHandler(BatchingPredictor front, int maxBytes) {
        this.front = front;
        this.maxBytes = maxBytes;
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            if (!exchange.getRequestMethod().equals("POST")) {
                exchange.getResponseHeaders().set("Allow", "POST");
                send(exchange, 405, error("POST an image (PNG, JPEG, BMP or GIF bytes) to /classify"));
                return;
            }
            int top = top(exchange.getRequestURI().getRawQuery());
            byte[] body = readAtMost(exchange.getRequestBody(), maxBytes);
            if (top < 1) {
                send(exchange, 400, error("top must be a whole number of at least 1, as in /classify?top=5"));
            } else if (body == null) {
                send(exchange, 400, error("image too big: over " + maxBytes + " bytes (the server's --max-bytes)"));
            } else {
                classify(exchange, body, top);
            }
        }
    }

    private void classify(HttpExchange exchange, byte[] body, int top) throws IOException {
        BufferedImage image;
        try {
            // Checks the declared size before decoding, so a small file cannot claim a huge picture.
            image = ImageDecoder.read(body, "request body");
        } catch (IOException e) {
            send(exchange, 400, error(e.getMessage()));
            return;
        }
        try {
            Prediction p = front.submit(image).get(ANSWER_SECONDS, TimeUnit.SECONDS);
            send(exchange, 200, json(p.topK(top)));
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RejectedExecutionException) {
                send(exchange, 503, error("busy: " + cause.getMessage()));
            } else if (cause instanceof IllegalArgumentException) {   // a picture the model cannot take
                send(exchange, 400, error(cause.getMessage()));
            } else {
                send(exchange, 500, error("classifying failed: " + cause));
            }
        } catch (TimeoutException e) {
            send(exchange, 503, error("no answer within " + ANSWER_SECONDS + " s"));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            send(exchange, 503, error("the server is stopping"));
        }
    }

    /** The body, or null when it has more than {@code limit} bytes (the rest is left unread). */
    private static byte[] readAtMost(InputStream in, int limit) throws IOException {
        byte[] bytes = in.readNBytes(limit + 1);
        return bytes.length > limit ? null : bytes;
    }

    /** The {@code top} query parameter: the default when absent, -1 when it is not a positive number. */
    private static int top(String query) {
        if (query == null) {
            return DEFAULT_TOP;
        }
        for (String pair : query.split("&")) {
            if (pair.startsWith("top=")) {
                try {
                    return Math.max(-1, Integer.parseInt(pair.substring(4)));
                } catch (NumberFormatException e) {
                    return -1;
                }
            }
        }
        return DEFAULT_TOP;
    }

    private static String json(List<ClassProbability> top) {
        StringBuilder sb = new StringBuilder("{\"predictions\":[");
        for (int i = 0; i < top.size(); i++) {
            sb.append(i == 0 ? "" : ",").append("{\"class\":").append(quote(top.get(i).name()))
                    .append(String.format(Locale.ROOT, ",\"probability\":%.6f}", top.get(i).probability()));
        }
        return sb.append("]}").toString();
    }

    private static String error(String message) {
        // One line, whatever the exception said.
        return "{\"error\":" + quote(message.replaceAll("\\s*\\R\\s*", " ")) + "}";
    }

    /** A JSON string: quotes, backslashes and control characters escaped. */
    private static String quote(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                sb.append('\\').append(c);
            } else if (c < 0x20) {
                sb.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        return sb.append('"').toString();
    }

    private static void send(HttpExchange exchange, int status, String json) throws IOException {
        byte[] bytes = (json + "\n").getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
    }
}
