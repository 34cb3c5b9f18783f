package dev.stride.data;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** A web folder serving the files as they are cached (an archive kept compressed), {@code base + name}. */
public final class HttpFileSource implements FileSource {
    private final URI base;
    private final Duration timeout;
    private final HttpClient client;

    /** @param base URL prefix ending in '/' */
    public HttpFileSource(URI base, Duration timeout) {
        if (!base.toString().endsWith("/")) {
            throw new IllegalArgumentException("a download folder's URL must end in '/', got " + base);
        }
        this.base = base;
        this.timeout = timeout;
        this.client = HttpClient.newBuilder().connectTimeout(timeout).followRedirects(HttpClient.Redirect.NORMAL).build();
    }

    @Override
    public String describe() {
        return base.toString();
    }

    @Override
    public void fetch(ExpectedFile file, OutputStream destination) throws IOException {
        URI uri = base.resolve(file.name());
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(timeout).GET().build();
        HttpResponse<InputStream> response;
        try {
            response = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while requesting " + uri, e);
        }
        try (InputStream body = response.body()) {
            if (response.statusCode() != 200) {
                throw new IOException(uri + " answered HTTP " + response.statusCode());
            }
            body.transferTo(destination); // the cache's stream stops it at the file's size
        }
    }
}
