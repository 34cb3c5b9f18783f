package dev.stride.optim;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Expected trajectories: the formulas by hand for the first steps, and all three steps as
 * torch.optim.Adam / AdamW 1.13 printed them for the same script of gradients (see ScalarModel).
 */
class AdamTest {

    @Test
    void biasCorrectionMakesTheFirstStepLrTimesSignOfGrad() {
        try (Arena arena = Arena.ofConfined()) {
            ScalarModel model = new ScalarModel(arena);
            Adam adam = new Adam(model.parameters(), arena, AdamSpec.of(0.01));
            // Step 1: m = 0.1 g, v = 0.001 g^2, so m / (1 - 0.9) = g and sqrt(v / (1 - 0.999)) = |g|: p -= 0.01 * sign(g).
            // Step 2, weight[0]: m = 0.9 * 0.01 + 0.1 * -0.4, v = 0.999 * 1e-5 + 0.001 * 0.16.
            double m2 = 0.9 * 0.01 + 0.1 * -0.4, v2 = 0.999 * 1e-5 + 0.001 * 0.16;
            double p2 = 0.99 - 0.01 / (1 - 0.81) * m2 / (Math.sqrt(v2) / Math.sqrt(1 - 0.999 * 0.999) + 1e-8);
            model.assertTrajectory(adam, new double[][]{
                    {0.99, -1.99, 0.49, 0.29},
                    {p2, -1.9944222, 0.4803482, 0.29052633},
                    {0.99669677, -1.99985158, 0.473911375, 0.285543919}});
            assertEquals(3, adam.stepCount());
        }
    }

    @Test
    void otherBetasAndEps() {
        try (Arena arena = Arena.ofConfined()) {
            ScalarModel model = new ScalarModel(arena);
            Adam adam = new Adam(model.parameters(), arena, AdamSpec.of(0.01).withBetas(0.5, 0.6).withEps(1e-3));
            // Step 1, weight[0]: p = 1 - 0.01 * 0.1 / (0.1 + 0.001).
            model.assertTrajectory(adam, new double[][]{
                    {1 - 0.01 * 0.1 / 0.101, -1.99004972, 0.490033209, 0.290196091},
                    {0.997320652, -1.9964782, 0.48022303, 0.293464065},
                    {0.996787369, -2.00353432, 0.475907028, 0.287255943}});
        }
    }

    @Test
    void l2WeightDecayGoesIntoTheGradient() {
        try (Arena arena = Arena.ofConfined()) {
            ScalarModel model = new ScalarModel(arena);
            Adam adam = new Adam(model.parameters(), arena, AdamSpec.of(0.01).withWeightDecay(0.1));
            assertEquals("adam", adam.kind());
            model.assertTrajectory(adam, new double[][]{
                    {0.99, -1.99, 0.49, 0.29},
                    {0.992491901, -1.98912275, 0.480270326, 0.285409451},
                    {0.989899337, -1.98845851, 0.473217309, 0.278117001}});
        }
    }

    @Test
    void adamWDecaysTheWeightsDirectly() {
        try (Arena arena = Arena.ofConfined()) {
            ScalarModel model = new ScalarModel(arena);
            Adam adam = new Adam(model.parameters(), arena, AdamSpec.adamW(0.01, 0.1));
            assertEquals("adamw", adam.kind());
            // Step 1, weight[0]: p = 1 * (1 - 0.01 * 0.1) - 0.01.
            model.assertTrajectory(adam, new double[][]{
                    {0.999 - 0.01, -1.98800004, 0.489500016, 0.289700031},
                    {0.993606091, -1.99043429, 0.479358703, 0.289936632},
                    {0.993714213, -1.99387324, 0.472442538, 0.284664273}});
        }
    }

    @Test
    void aFrozenParameterKeepsItsOwnStepCount() {
        try (Arena arena = Arena.ofConfined()) {
            ScalarModel model = new ScalarModel(arena);
            Adam adam = new Adam(model.parameters(), arena, AdamSpec.of(0.01));
            adam.freeze(List.of(model.bias));
            model.step(adam, 0);
            model.step(adam, 1);
            assertEquals(ScalarModel.B0[0], model.bias.value().getFlat(0));
            assertArrayEquals(new float[1], adam.state().get(2).toArray(), "frozen: first moment untouched");
            assertArrayEquals(new float[1], adam.state().get(3).toArray(), "frozen: second moment untouched");
            adam.unfreeze(List.of(model.bias));
            model.step(adam, 2);
            // The bias's first update: bias-corrected, so exactly lr * sign(grad), although the optimiser is at step 3.
            assertEquals(0.3 - 0.01, model.bias.value().getFlat(0), 1e-6);
            assertEquals("3,1", adam.saveState().get("optim.updates"));
        }
    }

    @Test
    void resumingFromSavedStateContinuesTheSameTrajectory() {
        try (Arena arena = Arena.ofConfined()) {
            ScalarModel a = new ScalarModel(arena), b = new ScalarModel(arena);
            Adam first = new Adam(a.parameters(), arena, AdamSpec.of(0.01));
            a.step(first, 0);
            first.setLr(0.02);
            a.step(first, 1);

            Map<String, String> saved = first.saveState();
            Adam resumed = new Adam(b.parameters(), arena, AdamSpec.of(0.5));
            for (int i = 0; i < first.state().size(); i++) {
                resumed.state().get(i).copyFrom(first.state().get(i));
            }
            b.weight.value().copyFrom(a.weight.value());
            b.bias.value().copyFrom(a.bias.value());
            resumed.restoreState(saved);
            assertEquals(0.02, resumed.lr());
            assertEquals(2, resumed.stepCount());

            a.step(first, 2);
            b.step(resumed, 2);
            assertArrayEquals(a.weight.value().toArray(), b.weight.value().toArray());
            assertArrayEquals(a.bias.value().toArray(), b.bias.value().toArray());

            Sgd sgd = new Sgd(b.parameters(), arena, SgdSpec.of(0.1));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> sgd.restoreState(saved));
            assertTrue(e.getMessage().contains("adam state but this optimiser is sgd"), e.getMessage());
        }
    }

    @Test
    void stateIsNamedAndOrderedByParameter() {
        try (Arena arena = Arena.ofConfined()) {
            ScalarModel model = new ScalarModel(arena);
            Adam adam = new Adam(model.parameters(), arena, AdamSpec.of(0.01));
            assertEquals(List.of("optim.exp_avg.0", "optim.exp_avg_sq.0", "optim.exp_avg.1", "optim.exp_avg_sq.1"), adam.stateNames());
            assertEquals(model.weight.value().shape(), adam.state().get(1).shape());
            assertEquals(model.bias.value().shape(), adam.state().get(2).shape());
            assertThrows(IllegalArgumentException.class, () -> AdamSpec.of(0.01).withBetas(1.0, 0.999));
        }
    }
}
