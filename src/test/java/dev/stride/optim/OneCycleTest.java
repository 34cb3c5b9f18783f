package dev.stride.optim;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The one-cycle schedule against PyTorch's OneCycleLR(max_lr=0.1, total_steps=100) with its defaults. */
class OneCycleTest {

    @Test
    void ratesAreTorchs() {
        LrSchedule s = LrSchedule.oneCycle(0.1, 100);
        // torch 1.13, the optimiser's lr before steps 0, 1, 14, 29, 30, 50, 98, 99
        long[] steps = {0, 1, 14, 29, 30, 50, 98, 99};
        double[] torch = {0.0040000000000000036, 0.004281378056590748, 0.04940133238789996, 0.1, 0.09994965352845243,
                0.0793893450575732, 5.07464715475788e-05, 4e-07};
        for (int i = 0; i < steps.length; i++) {
            assertEquals(torch[i], s.lr(steps[i]), 1e-12, "step " + steps[i]);
        }
        assertEquals(4e-07, s.lr(500), 1e-15, "after the last step the rate stays at its minimum");
        assertThrows(IllegalArgumentException.class, () -> new OneCycle(0.1, 100, 1.5, 25, 1e4));
    }
}
