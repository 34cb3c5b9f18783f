package dev.stride.nn;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class Conv2dSpecTest {

    @Test
    void theLecturesParameterCount() {
        Conv2dSpec spec = Conv2dSpec.of(3, 10, 5, 1, 2);
        assertEquals(new Conv2dSpec(3, 10, 5, 5, 1, 2, true, false), spec);
        assertEquals(760, spec.parameterCount());
        assertEquals("(5*5*3)*10 + 10 = 760", spec.explainParameters());
        assertEquals(750, spec.withBias(false).parameterCount());
        assertEquals("(5*5*3)*10 = 750", spec.withBias(false).explainParameters());
        assertTrue(spec.withFloor(true).floor());
        assertEquals(spec, spec.withFloor(true).withFloor(false));
    }

    @Test
    void rejectsNonsense() {
        assertThrows(IllegalArgumentException.class, () -> Conv2dSpec.of(0, 10, 5, 1, 2));
        assertThrows(IllegalArgumentException.class, () -> Conv2dSpec.of(3, 0, 5, 1, 2));
        assertThrows(IllegalArgumentException.class, () -> Conv2dSpec.of(3, 10, 0, 1, 2));
        assertThrows(IllegalArgumentException.class, () -> Conv2dSpec.of(3, 10, 5, 0, 2));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Conv2dSpec.of(3, 10, 5, 1, -1));
        assertTrue(e.getMessage().contains("-1"), e.getMessage());
    }
}
