package dev.stride.data;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.time.Duration;

/** A web folder serving the files as they are cached (an archive kept compressed), {@code base + name}. */
public final class HttpFileSource implements FileSource {
    private final HttpFolder folder;

    /**
     * A web folder that serves each file as {@code <base><name>}.
     *
     * @param base URL prefix ending in '/'
     * @param timeout for connecting and for the response headers
     */
    public HttpFileSource(URI base, Duration timeout) {
        this.folder = new HttpFolder(base, timeout);
    }

    @Override
    public String describe() {
        return folder.base().toString();
    }

    @Override
    public void fetch(ExpectedFile file, OutputStream destination) throws IOException {
        try (InputStream body = folder.open(file.name())) {
            body.transferTo(destination); // the cache's stream stops it at the file's size
        }
    }
}
