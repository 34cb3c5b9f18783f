package dev.stride.data;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * What the web sources share: a client with a short connect timeout (so a machine without internet
 * moves on to the next source within seconds) that GETs files under one base URL.
 */
final class HttpFolder {
    private final URI base;
    private final Duration timeout;
    private final HttpClient client;

    /**
     * @param base    URL prefix ending in '/'
     * @param timeout for connecting and for the response headers; the body may take longer
     */
    HttpFolder(URI base, Duration timeout) {
        if (!base.toString().endsWith("/")) {
            throw new IllegalArgumentException("a download URL prefix must end in '/', got " + base);
        }
        this.base = base;
        this.timeout = timeout;
        this.client = HttpClient.newBuilder().connectTimeout(timeout).followRedirects(HttpClient.Redirect.NORMAL).build();
    }

    URI base() {
        return base;
    }

    URI resolve(String name) {
        return base.resolve(name);
    }

    /** The body of {@code base + name} once the server answered 200; the caller closes it. */
    InputStream open(String name) throws IOException {
        URI uri = resolve(name);
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(timeout).GET().build();
        HttpResponse<InputStream> response;
        try {
            response = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while requesting " + uri, e);
        }
        if (response.statusCode() != 200) {
            response.body().close();
            throw new IOException(uri + " answered HTTP " + response.statusCode());
        }
        return response.body();
    }
}
