package dev.stride.tensor;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;

import static org.junit.jupiter.api.Assertions.*;

class TensorTest {

    @Test
    void viewsShareMemoryAndIndexRowMajor() {
        try (Arena arena = Arena.ofConfined()) {
            Tensor t = Tensor.zeros(arena, 2, 3, 4, 5);
            t.set(7f, 1, 2, 3, 4);
            assertEquals(7f, t.getFlat(t.size() - 1));
            Tensor s = t.sample(1);
            assertEquals(Shape.of(3, 4, 5), s.shape());
            assertEquals(7f, s.get(2, 3, 4));
            s.set(3f, 0, 0, 0);
            assertEquals(3f, t.get(1, 0, 0, 0));
            Tensor flat = t.reshape(2, 60);
            assertEquals(3f, flat.get(1, 0));
            assertEquals(Shape.of(1, 3, 4, 5), t.batch(1, 2).shape());
        }
    }

    @Test
    void copiesRoundTrip() {
        try (Arena arena = Arena.ofConfined()) {
            float[] v = {1, 2, 3, 4, 5, 6};
            Tensor t = Tensor.of(arena, v, 2, 3);
            assertArrayEquals(v, t.toArray());
            t.fill(2.5f);
            assertEquals(2.5f, t.get(1, 2));
        }
    }

    @Test
    void badIndicesAndShapesAreClearErrors() {
        try (Arena arena = Arena.ofConfined()) {
            Tensor t = Tensor.zeros(arena, 2, 3);
            IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class, () -> t.get(2, 0));
            assertTrue(e.getMessage().contains("[2, 3]"), e.getMessage());
            IllegalArgumentException r = assertThrows(IllegalArgumentException.class, () -> t.reshape(4, 2));
            assertTrue(r.getMessage().contains("[4, 2]"), r.getMessage());
            assertThrows(IllegalArgumentException.class, () -> t.copyFrom(new float[5]));
            assertThrows(IllegalArgumentException.class, () -> Shape.of(0, 3));
        }
    }

    @Test
    void accessAfterTheArenaClosesThrows() {
        Arena arena = Arena.ofConfined();
        Tensor t = Tensor.zeros(arena, 4);
        arena.close();
        assertThrows(IllegalStateException.class, () -> t.getFlat(0));
        assertThrows(IllegalStateException.class, t::toArray);
    }

    @Test
    void aModelOnSeveralThreadsNeedsSharedMemory() {
        try (Arena confined = Arena.ofConfined(); Arena shared = Arena.ofShared()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Workspace(confined, 2));
            assertTrue(e.getMessage().contains("Arena.ofShared()"), e.getMessage());
            assertEquals(2, new Workspace(shared, 2).parallel().parts());
            assertEquals(1, new Workspace(confined, 1).parallel().parts());
        }
    }
}
