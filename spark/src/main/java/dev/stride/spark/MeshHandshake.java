package dev.stride.spark;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.List;

/**
 * Opening the all-reduce mesh: worker r connects to every lower rank and accepts every higher one.
 * Each connection starts with both sides saying who they are (rank, vector length), so a worker
 * that reached the wrong peer, or a model of another size, is an error at once rather than
 * garbage later.
 */
final class MeshHandshake {
    private MeshHandshake() {
    }

    /** Worker {@code rank} connects to worker {@code peer}, retrying until the timeout: the peer may still be starting. */
    static SocketChannel open(int rank, int peer, InetSocketAddress address, long floats, Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        String where = address.getHostString() + ":" + address.getPort();
        IOException last;
        do {
            SocketChannel ch = SocketChannel.open();
            try {
                int left = (int) Math.max(1, (deadline - System.nanoTime()) / 1_000_000);
                ch.socket().connect(address, left);
                ch.socket().setTcpNoDelay(true);
                exchange(ch, rank, peer, floats, timeout, where);
                return ch;
            } catch (SocketTimeoutException e) {
                ch.close();
                last = e;
                break;
            } catch (IOException e) {
                ch.close();
                if (e instanceof MeshException) {
                    throw e;
                }
                last = e;
                sleepBriefly();
            }
        } while (System.nanoTime() < deadline);
        throw new MeshException("all-reduce: worker " + rank + " could not connect to worker " + peer + " at " + where
                + " within " + timeout.toSeconds() + " s (" + last.getMessage() + "); check that the executors can reach"
                + " each other on that host and port (firewall, spark.driver.host, container networking)", last);
    }

    /** Accepts the connections of ranks above {@code rank} on {@code server}, filling {@code peers} by the rank each announces. */
    static void acceptHigher(int rank, List<InetSocketAddress> addresses, ServerSocketChannel server, long floats, Duration timeout,
                             SocketChannel[] peers) throws IOException {
        int n = addresses.size();
        if (rank == n - 1) {
            return;
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        server.configureBlocking(false);
        try (Selector selector = Selector.open()) {
            server.register(selector, SelectionKey.OP_ACCEPT);
            int accepted = 0;
            while (accepted < n - 1 - rank) {
                long left = (deadline - System.nanoTime()) / 1_000_000;
                if (left <= 0 || selector.select(left) == 0 && System.nanoTime() >= deadline) {
                    throw new MeshException("all-reduce: worker " + rank + " at " + local(server) + " waited " + timeout.toSeconds()
                            + " s for " + missing(rank, peers) + " to connect; those workers failed or cannot reach "
                            + local(server) + " (firewall, container networking)", null);
                }
                selector.selectedKeys().clear();
                SocketChannel ch;
                while ((ch = server.accept()) != null) {
                    ch.configureBlocking(true);
                    ch.socket().setTcpNoDelay(true);
                    try {
                        int peer = exchange(ch, rank, -1, floats, timeout, String.valueOf(ch.getRemoteAddress()));
                        if (peer <= rank || peer >= n || peers[peer] != null) {
                            throw new MeshException("all-reduce: worker " + rank + " was reached by a connection claiming rank " + peer
                                    + ", which should not connect to it; are two trainings sharing these ports?", null);
                        }
                        peers[peer] = ch;
                        accepted++;
                    } catch (IOException e) {
                        ch.close();
                        throw e;
                    }
                }
            }
        }
    }

    /**
     * Sends this worker's rank and vector length and reads the peer's, with the timeout on the
     * read; returns the peer's rank. {@code expectedPeer} -1 accepts any rank (the accepting side).
     */
    private static int exchange(SocketChannel ch, int rank, int expectedPeer, long floats, Duration timeout, String where)
            throws IOException {
        ch.socket().setSoTimeout((int) Math.min(Integer.MAX_VALUE, timeout.toMillis()));
        // Not closed: the streams would close the channel, which the mesh keeps.
        DataOutputStream out = new DataOutputStream(ch.socket().getOutputStream());
        out.writeInt(rank);
        out.writeLong(floats);
        out.flush();
        DataInputStream in = new DataInputStream(ch.socket().getInputStream());
        int peer;
        long peerFloats;
        try {
            peer = in.readInt();
            peerFloats = in.readLong();
        } catch (SocketTimeoutException e) {
            throw new MeshException("all-reduce: worker " + rank + " got no answer from " + where + " within "
                    + timeout.toSeconds() + " s; is another program listening there?", e);
        }
        if (expectedPeer >= 0 && peer != expectedPeer) {
            throw new MeshException("all-reduce: worker " + rank + " expected worker " + expectedPeer + " at " + where
                    + " but reached worker " + peer + "; are two trainings sharing these ports?", null);
        }
        if (peerFloats != floats) {
            throw new MeshException("all-reduce: worker " + rank + " sums " + floats + " floats but worker " + peer + " at " + where
                    + " sums " + peerFloats + "; every worker must train the same model", null);
        }
        return peer;
    }

    private static String missing(int rank, SocketChannel[] peers) {
        StringBuilder s = new StringBuilder();
        for (int p = rank + 1; p < peers.length; p++) {
            if (peers[p] == null) {
                s.append(s.isEmpty() ? "worker " : ", ").append(p);
            }
        }
        return s.toString();
    }

    private static String local(ServerSocketChannel server) throws IOException {
        InetSocketAddress a = (InetSocketAddress) server.getLocalAddress();
        return a.getHostString() + ":" + a.getPort();
    }

    private static void sleepBriefly() throws IOException {
        try {
            Thread.sleep(50);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("all-reduce: interrupted while connecting");
        }
    }

    /** A mesh error that retrying cannot fix. */
    static final class MeshException extends IOException {
        MeshException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
