package dev.stride.data;

import java.io.FilterInputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * Streams that stop, with an error naming what and how much, once more bytes pass than a known
 * size: what a download or a decompression writes stops at the size of the file it is meant to
 * produce, however small the input that inflates to it (a gzip bomb of a few kilobytes).
 */
final class SizeLimit {
    private SizeLimit() {
    }

    /**
     * Passes at most {@code limit} bytes to {@code out}; a write that would pass more throws before
     * writing any of them.
     *
     * @param what named in the error, e.g. "t10k-labels-idx1-ubyte from https://..."
     */
    static OutputStream output(OutputStream out, long limit, String what) {
        return new LimitedOutput(out, limit, what);
    }

    /** Reads at most {@code limit} bytes from {@code in} (skipped ones count); reading more throws. */
    static InputStream input(InputStream in, long limit, String what) {
        return new LimitedInput(in, limit, what);
    }

    private static IOException exceeded(String what, long limit) {
        return new IOException(what + ": more than the expected " + limit + " bytes; stopped there"
                + " (a corrupt or tampered source)");
    }

    private static final class LimitedOutput extends FilterOutputStream {
        private final long limit;
        private final String what;
        private long written;

        LimitedOutput(OutputStream out, long limit, String what) {
            super(out);
            this.limit = limit;
            this.what = what;
        }

        @Override
        public void write(int b) throws IOException {
            reserve(1);
            out.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            reserve(len);
            out.write(b, off, len);
        }

        private void reserve(int n) throws IOException {
            if (written + n > limit) {
                throw exceeded(what, limit);
            }
            written += n;
        }
    }

    private static final class LimitedInput extends FilterInputStream {
        private final long limit;
        private final String what;
        private long read;

        LimitedInput(InputStream in, long limit, String what) {
            super(in);
            this.limit = limit;
            this.what = what;
        }

        @Override
        public int read() throws IOException {
            int b = in.read();
            if (b >= 0) {
                count(1);
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = in.read(b, off, len);
            if (n > 0) {
                count(n);
            }
            return n;
        }

        @Override
        public boolean markSupported() {
            return false; // a reset would count bytes twice
        }

        @Override
        public long skip(long n) throws IOException {
            return count(in.skip(n));
        }

        private long count(long n) throws IOException {
            read += n;
            if (read > limit) {
                throw exceeded(what, limit);
            }
            return n;
        }
    }
}
