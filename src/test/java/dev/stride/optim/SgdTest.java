package dev.stride.optim;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Expected trajectories: the formulas by hand for the first steps, and all three steps as
 * torch.optim.SGD 1.13 printed them for the same script of gradients (see ScalarModel).
 */
class SgdTest {

    @Test
    void plainSgdIsPMinusLrTimesGrad() {
        try (Arena arena = Arena.ofConfined()) {
            ScalarModel model = new ScalarModel(arena);
            Sgd sgd = new Sgd(model.parameters(), arena, SgdSpec.of(0.1));
            assertTrue(sgd.state().isEmpty(), "plain SGD keeps no state");
            model.assertTrajectory(sgd, new double[][]{
                    {1 - 0.1 * 0.1, -2 + 0.1 * 0.2, 0.5 - 0.1 * 0.3, 0.3 - 0.1 * 0.05},
                    {0.99 + 0.1 * 0.4, -1.98 - 0.1 * 0.5, 0.47 - 0.1 * 0.6, 0.295 + 0.1 * 0.05},
                    {1.00999999, -2.04999995, 0.419999987, 0.290000021}});
        }
    }

    @Test
    void momentumWithWeightDecay() {
        try (Arena arena = Arena.ofConfined()) {
            ScalarModel model = new ScalarModel(arena);
            Sgd sgd = new Sgd(model.parameters(), arena, SgdSpec.of(0.1).withMomentum(0.9).withWeightDecay(0.01));
            // weight[0], by hand: step 1 g = 0.1 + 0.01 * 1 = 0.11, v = 0.11, p = 1 - 0.011 = 0.989;
            // step 2 g = -0.4 + 0.01 * 0.989, v = 0.9 * 0.11 + g, p = 0.989 - 0.1 * v.
            double g2 = -0.4 + 0.01 * 0.989, v2 = 0.9 * 0.11 + g2;
            model.assertTrajectory(sgd, new double[][]{
                    {0.989, -1.978000040, 0.469500005, 0.294700027},
                    {0.989 - 0.1 * v2, -2.00622201, 0.381580502, 0.294635326},
                    {1.02329278, -2.04961562, 0.312071383, 0.284282446}});
            assertEquals(List.of("optim.velocity.0", "optim.velocity.1"), sgd.stateNames());
        }
    }

    @Test
    void nesterovLooksAheadAlongTheVelocity() {
        try (Arena arena = Arena.ofConfined()) {
            ScalarModel model = new ScalarModel(arena);
            Sgd sgd = new Sgd(model.parameters(), arena, SgdSpec.of(0.1).withMomentum(0.9).withNesterov(true).withWeightDecay(0.01));
            // weight[0], step 1: g = 0.11, v = 0.11, d = g + 0.9 * v = 0.209, p = 1 - 0.0209.
            model.assertTrajectory(sgd, new double[][]{
                    {1 - 0.0209, -1.95819998, 0.44205001, 0.289930016},
                    {1.04432976, -2.03165936, 0.302505106, 0.294586152},
                    {1.02793348, -2.08867502, 0.249737784, 0.274977893}});
        }
    }

    @Test
    void decayCanSkipBiases() {
        try (Arena arena = Arena.ofConfined()) {
            ScalarModel model = new ScalarModel(arena);
            Sgd sgd = new Sgd(model.parameters(), arena, SgdSpec.of(0.1).withWeightDecay(0.5).withDecayWeightsOnly(true));
            model.step(sgd, 0);
            assertEquals(1 - 0.1 * (0.1 + 0.5 * 1), model.weight.value().getFlat(0), 1e-6);
            assertEquals(0.3 - 0.1 * 0.05, model.bias.value().getFlat(0), 1e-6);
        }
    }

    @Test
    void frozenParametersAreUntouched() {
        try (Arena arena = Arena.ofConfined()) {
            ScalarModel model = new ScalarModel(arena);
            Sgd sgd = new Sgd(model.parameters(), arena, SgdSpec.of(0.1).withMomentum(0.9).withWeightDecay(0.1));
            sgd.freeze(List.of(model.weight));
            assertEquals(List.of(model.bias), sgd.trainable());
            model.step(sgd, 0);
            model.step(sgd, 1);
            assertArrayEquals(ScalarModel.W0, model.weight.value().toArray());
            assertArrayEquals(new float[3], sgd.state().get(0).toArray(), "a frozen parameter's velocity stays put");
            assertNotEquals(ScalarModel.B0[0], model.bias.value().getFlat(0));
            assertEquals(0.5f, model.weight.grad().getFlat(1), "the gradient is still there for the caller to zero");

            sgd.unfreeze(List.of(model.weight));
            assertFalse(sgd.isFrozen(model.weight));
            model.step(sgd, 2);
            assertEquals(1 - 0.1 * (0.2 + 0.1 * 1), model.weight.value().getFlat(0), 1e-6);
        }
    }

    @Test
    void badHyperparametersAndStrangersAreClearErrors() {
        assertThrows(IllegalArgumentException.class, () -> SgdSpec.of(0.1).withNesterov(true));
        assertThrows(IllegalArgumentException.class, () -> SgdSpec.of(-1));
        assertThrows(IllegalArgumentException.class, () -> SgdSpec.of(Double.NaN));
        try (Arena arena = Arena.ofConfined()) {
            ScalarModel model = new ScalarModel(arena), other = new ScalarModel(arena);
            Sgd sgd = new Sgd(model.parameters(), arena, SgdSpec.of(0.1));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> sgd.freeze(List.of(other.weight)));
            assertTrue(e.getMessage().contains("not one of the 2"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> new Sgd(List.of(), arena, SgdSpec.of(0.1)));
            assertThrows(IllegalArgumentException.class, () -> sgd.setLr(Double.POSITIVE_INFINITY));
        }
    }
}
