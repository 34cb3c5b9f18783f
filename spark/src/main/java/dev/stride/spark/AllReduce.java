package dev.stride.spark;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;

/**
 * A sum of one float vector over n workers, every worker ending with the same bits, over a full
 * mesh of TCP connections (one per pair of workers).
 *
 * <p>The vector is cut into n chunks; worker r owns chunk r. Reduce-scatter: every worker sends
 * chunk c to worker c and receives everybody's chunk r, then sums chunk r in rank order
 * {@code ((x_0 + x_1) + x_2) + ...}, whoever sent first, so a run is deterministic and a
 * single-machine reference that adds the same shards in the same order gets the same bits.
 * All-gather: worker r sends its summed chunk to everyone and receives the others'. Each worker
 * sends and receives 2(n-1)/n of the vector, as a ring all-reduce does, but in 2 rounds of n-1
 * concurrent transfers instead of 2(n-1) rounds, and with one summation order for every element
 * (a ring's order depends on the chunk).
 *
 * <p>All transfers of a round go through one selector in the calling thread, so a slow peer
 * cannot deadlock two workers writing to each other. A peer that closes its connection, or sends
 * nothing for the timeout, ends the step with an {@link IOException} naming its rank and address.
 * The byte order is the platform's: every worker must run on the same architecture.
 *
 * <p>Not thread-safe: one thread (the one that built it) calls {@link #sum()}; another thread is
 * refused. The vector lives in {@link #buffer()}, allocated once from this object's own arena and
 * freed by {@link #close()}, with the connections; a step allocates nothing.
 */
public final class AllReduce implements AutoCloseable {
    private final int rank;
    private final int workers;
    private final long floats;
    private final Duration timeout;
    private final List<InetSocketAddress> addresses;
    private final Thread owner;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment data; // (floats) the vector summed in place
    private final MemorySegment received; // (workers, chunk r's length) what each peer sent of chunk r
    private final long[] chunkStart; // (workers + 1) chunk c is [chunkStart[c], chunkStart[c + 1]) floats
    private final SocketChannel[] peers; // (workers) null at this worker's own rank
    private final Selector selector;
    private final SelectionKey[] keys; // (workers) peer p's connection in the selector; null at this worker's rank
    private final long timeoutMillis;
    // The round in progress, for ready(), which the selector calls (bound once: a step allocates nothing).
    private final Consumer<SelectionKey> onReady = this::ready;
    private ByteBuffer[] roundOut;
    private ByteBuffer[] roundIn;
    private IOException failure;
    private final ByteBuffer[] sendChunk; // (workers) chunk c of data, sent to worker c
    private final ByteBuffer[] receiveOwn; // (workers) peer p's chunk r, into received
    private final ByteBuffer[] sendSummed; // (workers) chunk r of data, to every peer: a view each, each with its own position
    private final ByteBuffer[] receiveSummed; // (workers) peer p's summed chunk p, into data
    private boolean closed;

    private AllReduce(int rank, List<InetSocketAddress> addresses, long floats, Duration timeout, SocketChannel[] peers)
            throws IOException {
        this.rank = rank;
        this.workers = addresses.size();
        this.floats = floats;
        this.timeout = timeout;
        this.addresses = List.copyOf(addresses);
        this.owner = Thread.currentThread();
        this.peers = peers;
        chunkStart = new long[workers + 1];
        for (int c = 0; c <= workers; c++) {
            chunkStart[c] = floats * c / workers;
        }
        long own = chunkStart[rank + 1] - chunkStart[rank];
        data = arena.allocate(Math.max(1, floats) * Float.BYTES, 64);
        received = arena.allocate(Math.max(1, own * workers) * Float.BYTES, 64);
        sendChunk = new ByteBuffer[workers];
        receiveOwn = new ByteBuffer[workers];
        receiveSummed = new ByteBuffer[workers];
        for (int p = 0; p < workers; p++) {
            sendChunk[p] = bytes(data, chunkStart[p], chunkStart[p + 1] - chunkStart[p]);
            receiveOwn[p] = bytes(received, p * own, own);
            receiveSummed[p] = sendChunk[p].duplicate();
        }
        sendSummed = new ByteBuffer[workers];
        for (int p = 0; p < workers; p++) {
            sendSummed[p] = sendChunk[rank].duplicate();
        }
        timeoutMillis = Math.max(1, timeout.toMillis());
        selector = Selector.open();
        keys = new SelectionKey[workers];
        for (int p = 0; p < workers; p++) {
            if (p != rank) {
                peers[p].configureBlocking(false);
                keys[p] = peers[p].register(selector, 0, p);
            }
        }
    }

    /** A listening socket on an ephemeral port of {@code host}, opened before the addresses are exchanged. */
    public static ServerSocketChannel listen(String host) throws IOException {
        ServerSocketChannel server = ServerSocketChannel.open();
        try {
            server.bind(new InetSocketAddress(host, 0));
        } catch (IOException e) {
            server.close();
            throw new IOException("all-reduce: cannot listen on " + host + ": " + e.getMessage(), e);
        }
        return server;
    }

    /**
     * Connects worker {@code rank} to every other worker: it opens connections to the lower ranks
     * and accepts those of the higher ranks on {@code server} (which it then closes). Each side
     * checks that the other is the rank it expects and sums vectors of the same length.
     *
     * @param addresses every worker's listening address, by rank
     * @param timeout   for opening each connection, and later for each step's data to arrive
     */
    public static AllReduce connect(int rank, List<InetSocketAddress> addresses, ServerSocketChannel server, long floats,
                                    Duration timeout) throws IOException {
        int n = addresses.size();
        if (rank < 0 || rank >= n) {
            throw new IllegalArgumentException("all-reduce: rank " + rank + " outside [0, " + n + ")");
        }
        SocketChannel[] peers = new SocketChannel[n];
        try (server) {
            for (int p = 0; p < rank; p++) {
                peers[p] = MeshHandshake.open(rank, p, addresses.get(p), floats, timeout);
            }
            MeshHandshake.acceptHigher(rank, addresses, server, floats, timeout, peers);
            return new AllReduce(rank, addresses, floats, timeout, peers);
        } catch (IOException | RuntimeException e) {
            for (SocketChannel c : peers) {
                if (c != null) {
                    c.close();
                }
            }
            throw e;
        }
    }

    public int rank() {
        return rank;
    }

    public int workers() {
        return workers;
    }

    /** The vector: write this worker's part before {@link #sum()}, read the total after. */
    public MemorySegment buffer() {
        checkUsable();
        return data.asSlice(0, floats * Float.BYTES);
    }

    /** Replaces {@link #buffer()} on every worker by the sum over all workers, added in rank order. */
    public void sum() throws IOException {
        checkUsable();
        if (workers == 1) {
            return;
        }
        for (int p = 0; p < workers; p++) {
            sendChunk[p].clear();
            receiveOwn[p].clear();
        }
        transfer(sendChunk, receiveOwn, "its part of the vector");
        addOwnChunk();
        for (int p = 0; p < workers; p++) {
            sendSummed[p].clear();
            receiveSummed[p].clear();
        }
        transfer(sendSummed, receiveSummed, "its summed chunk");
    }

    // chunk r = x_0 + x_1 + ... + x_{n-1}, left to right; x_r is this worker's own data
    private void addOwnChunk() {
        long start = chunkStart[rank];
        long own = chunkStart[rank + 1] - start;
        for (long i = 0; i < own; i++) {
            float s = 0;
            for (int p = 0; p < workers; p++) {
                float x = p == rank ? data.getAtIndex(ValueLayout.JAVA_FLOAT, start + i)
                        : received.getAtIndex(ValueLayout.JAVA_FLOAT, p * own + i);
                s = p == 0 ? x : s + x;
            }
            data.setAtIndex(ValueLayout.JAVA_FLOAT, start + i, s);
        }
    }

    /**
     * One round: sends {@code out[p]} to and fills {@code in[p]} from every peer p, all at once,
     * until everything has gone and come.
     */
    private void transfer(ByteBuffer[] out, ByteBuffer[] in, String what) throws IOException {
        roundOut = out;
        roundIn = in;
        long lastProgress = System.nanoTime();
        while (true) {
            int pending = 0;
            for (int p = 0; p < workers; p++) {
                if (p != rank) {
                    int ops = (out[p].hasRemaining() ? SelectionKey.OP_WRITE : 0) | (in[p].hasRemaining() ? SelectionKey.OP_READ : 0);
                    keys[p].interestOps(ops);
                    pending += ops == 0 ? 0 : 1;
                }
            }
            if (pending == 0) {
                return;
            }
            if (selector.select(onReady, timeoutMillis) > 0) {
                if (failure != null) {
                    IOException f = failure;
                    failure = null;
                    throw f;
                }
                lastProgress = System.nanoTime();
            } else if (System.nanoTime() - lastProgress > timeoutMillis * 1_000_000L) {
                throw new IOException("all-reduce: worker " + rank + " waited " + timeout.toSeconds() + " s for "
                        + what + " from " + stalled(in) + "; that worker is stuck, failed, or a network path is blocked");
            }
        }
    }

    /** Moves what a ready connection can take or give in this round; the first failure is kept for {@link #transfer}. */
    private void ready(SelectionKey key) {
        int p = (Integer) key.attachment();
        SocketChannel ch = (SocketChannel) key.channel();
        try {
            if (key.isWritable()) {
                ch.write(roundOut[p]);
            }
            if (key.isReadable() && ch.read(roundIn[p]) < 0) {
                throw new IOException("the connection was closed");
            }
        } catch (IOException e) {
            if (failure == null) {
                failure = new IOException("all-reduce: worker " + rank + " lost worker " + p + " at " + address(p)
                        + " mid-step (" + e.getMessage() + "); that worker failed or was stopped", e);
            }
        }
    }

    private String stalled(ByteBuffer[] in) {
        StringBuilder s = new StringBuilder();
        for (int p = 0; p < workers; p++) {
            if (p != rank && in[p].hasRemaining()) {
                s.append(s.isEmpty() ? "" : ", ").append("worker ").append(p).append(" at ").append(address(p));
            }
        }
        return s.toString();
    }

    private String address(int p) {
        InetSocketAddress a = addresses.get(p);
        return a.getHostString() + ":" + a.getPort();
    }

    private static ByteBuffer bytes(MemorySegment segment, long firstFloat, long count) {
        return segment.asSlice(firstFloat * Float.BYTES, count * Float.BYTES).asByteBuffer();
    }

    private void checkUsable() {
        if (closed) {
            throw new IllegalStateException("all-reduce of worker " + rank + " is closed");
        }
        if (Thread.currentThread() != owner) {
            throw new IllegalStateException("all-reduce of worker " + rank + " is used by " + Thread.currentThread().getName()
                    + " but belongs to " + owner.getName() + "; it is not thread-safe");
        }
    }

    /** Closes the connections and frees the buffers; {@link #buffer()}'s segments are unusable afterwards. */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        IOException first = null;
        for (SocketChannel c : peers) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (IOException e) {
                first = first == null ? e : first;
            }
        }
        selector.close();
        arena.close();
        if (first != null) {
            throw first;
        }
    }
}
