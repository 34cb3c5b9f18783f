package dev.stride.tensor;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WorkspaceTest {
    @Test
    void onePartGetsTheLargestReservationFromOffsetZero() {
        try (Arena arena = Arena.ofConfined()) {
            Workspace ws = new Workspace(arena, 1);
            ws.reservePerPart(100);
            ws.reservePerPart(40);
            assertEquals(100, ws.reservedFloatsPerPart());
            assertEquals(0, ws.partOffset(0));
            assertTrue(ws.segment().byteSize() >= 100 * Float.BYTES);
        }
    }

    @Test
    void partAreasAreTheSameForEveryLayerAndKeepTheGapApart() {
        try (Arena arena = Arena.ofShared()) {
            Workspace ws = new Workspace(arena, 3);
            ws.reservePerPart(1000);   // a small layer, then a larger one: both see the same areas
            ws.reservePerPart(5000);
            long stride = ws.partOffset(1);
            assertEquals(0, ws.partOffset(0));
            assertEquals(2 * stride, ws.partOffset(2));
            assertTrue(stride >= 5000 + Workspace.PART_GAP_FLOATS, "stride " + stride);
            assertEquals(0, stride * Float.BYTES % Tensor.ALIGNMENT, "areas start on cache lines");
            assertTrue(ws.segment().byteSize() >= (ws.partOffset(2) + 5000) * Float.BYTES);
        }
    }

    @Test
    void aLargerReservationAfterTheSegmentWasHandedOutGrowsIt() {
        try (Arena arena = Arena.ofShared()) {
            Workspace ws = new Workspace(arena, 2);
            ws.reservePerPart(10);
            long before = ws.segment().byteSize();
            ws.reservePerPart(1 << 20);
            assertTrue(ws.segment().byteSize() > before);
            assertTrue(ws.segment().byteSize() >= (ws.partOffset(1) + (1 << 20)) * (long) Float.BYTES);
        }
    }

    @Test
    void aNegativeReservationIsRefused() {
        try (Arena arena = Arena.ofConfined()) {
            assertThrows(IllegalArgumentException.class, () -> new Workspace(arena, 1).reservePerPart(-1));
        }
    }
}
