package dev.stride.nn;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/** A shared arena that counts the bytes allocated from it, to compare what two builds take. */
final class CountingArena implements Arena {
    private final Arena inner = Arena.ofShared();
    private long bytes;

    @Override
    public MemorySegment allocate(long byteSize, long byteAlignment) {
        synchronized (this) {
            bytes += byteSize;
        }
        return inner.allocate(byteSize, byteAlignment);
    }

    synchronized long bytes() {
        return bytes;
    }

    @Override
    public MemorySegment.Scope scope() {
        return inner.scope();
    }

    @Override
    public void close() {
        inner.close();
    }
}
