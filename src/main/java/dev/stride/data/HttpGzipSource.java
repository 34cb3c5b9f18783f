package dev.stride.data;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.time.Duration;
import java.util.zip.GZIPInputStream;

/**
 * A web mirror that serves each file gzip-compressed as {@code <base><name>.gz}, the layout of the
 * MNIST mirrors other frameworks download from.
 */
public final class HttpGzipSource implements FileSource {
    private final HttpFolder folder;

    /**
     * A mirror at {@code base}.
     *
     * @param base    URL prefix ending in '/'
     * @param timeout for connecting and for the response headers; the body may take longer
     */
    public HttpGzipSource(URI base, Duration timeout) {
        this.folder = new HttpFolder(base, timeout);
    }

    @Override
    public String describe() {
        return folder.base().toString();
    }

    @Override
    public void fetch(ExpectedFile file, OutputStream destination) throws IOException {
        String name = file.name() + ".gz";
        try (InputStream body = folder.open(name)) {
            // The cache's stream stops the decompressed bytes at the file's size; this stops the
            // download itself. A real gzip file is barely larger than its content even when nothing
            // compresses (stored blocks add 5 bytes in 65,535), so 1% and 64 KiB more is ample; an
            // endless body of empty gzip members would otherwise be read for ever.
            InputStream limited = SizeLimit.input(body, file.size() + file.size() / 100 + (64 << 10), folder.resolve(name).toString());
            try (InputStream in = new GZIPInputStream(limited, 1 << 16)) {
                in.transferTo(destination);
            }
        }
    }
}
