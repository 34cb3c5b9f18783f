package dev.stride.data;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;

/**
 * A one-file HTTP mirror on the loopback interface: answers every request with the same body, for
 * {@link HttpGzipSource} to download from. Plain sockets, since the test classes are compiled into
 * the dev.stride module, which does not read jdk.httpserver.
 */
final class LocalMirror implements AutoCloseable {
    private final ServerSocket socket;
    private final Thread thread;

    LocalMirror(byte[] body) throws IOException {
        socket = new ServerSocket(0, 8, InetAddress.getLoopbackAddress());
        thread = Thread.ofPlatform().daemon().start(() -> serve(body));
    }

    /** The base URL, ending in '/'. */
    URI base() {
        return URI.create("http://127.0.0.1:" + socket.getLocalPort() + "/mnist/");
    }

    private void serve(byte[] body) {
        while (!socket.isClosed()) {
            try (Socket client = socket.accept()) {
                readRequestHead(client.getInputStream());
                OutputStream out = client.getOutputStream();
                out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + body.length + "\r\nConnection: close\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                out.write(body);
                out.flush();
            } catch (IOException e) {
                // Closed, or the client stopped reading mid-body: what the tests are about.
            }
        }
    }

    private static void readRequestHead(InputStream in) throws IOException {
        int matched = 0;
        byte[] end = {'\r', '\n', '\r', '\n'};
        for (int b; matched < end.length && (b = in.read()) >= 0; ) {
            matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
