package dev.stride.data;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.zip.GZIPInputStream;

/**
 * A web mirror that serves each file gzip-compressed as {@code <base><name>.gz}, the layout of the
 * MNIST mirrors other frameworks download from. Connecting has a short timeout so that a machine
 * without internet moves on to the next source within seconds.
 */
public final class HttpGzipSource implements FileSource {
    private final URI base;
    private final Duration timeout;
    private final HttpClient client;

    /**
     * @param base    URL prefix ending in '/'
     * @param timeout for connecting and for the response headers; the body may take longer
     */
    public HttpGzipSource(URI base, Duration timeout) {
        if (!base.toString().endsWith("/")) {
            throw new IllegalArgumentException("a mirror's base URL must end in '/', got " + base);
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
        URI uri = base.resolve(file.name() + ".gz");
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
            // The cache's stream stops the decompressed bytes at the file's size; this stops the
            // download itself. A real gzip file is barely larger than its content even when nothing
            // compresses (stored blocks add 5 bytes in 65,535), so 1% and 64 KiB more is ample; an
            // endless body of empty gzip members would otherwise be read for ever.
            InputStream limited = SizeLimit.input(body, file.size() + file.size() / 100 + (64 << 10), uri.toString());
            try (InputStream in = new GZIPInputStream(limited, 1 << 16)) {
                in.transferTo(destination);
            }
        }
    }
}
