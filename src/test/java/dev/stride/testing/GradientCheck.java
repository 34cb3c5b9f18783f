package dev.stride.testing;

import dev.stride.nn.Layer;
import dev.stride.nn.Loss;
import dev.stride.nn.Parameter;
import dev.stride.tensor.Shape;
import dev.stride.tensor.Tensor;

import java.lang.foreign.Arena;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.function.DoubleSupplier;

/**
 * Finite-difference gradient checks: central differences of a scalar objective, summed in double,
 * against the analytic gradient a backward pass produced.
 *
 * <p>For a layer the objective is {@code sum(y * dy)} for a fixed random {@code dy}, so the
 * analytic gradients are exactly what {@code backward(dy)} returns. The forward pass runs in
 * float32, so the step is fairly large and the tolerance is scaled by the magnitudes involved.
 * Points near a kink (ReLU at 0, a near-tie in a max) are found by comparing two step sizes: where
 * the one-sided slopes disagree the function is not smooth there and the point is skipped. A check
 * that skips more than a quarter of its points fails, so a broken kernel cannot hide as "kinks".
 */
public final class GradientCheck {
    private static final double STEP = 1e-2;
    private static final double RTOL = 2e-2;
    private static final double ATOL = 2e-3;

    private GradientCheck() {
    }

    /** Checks dx and every parameter gradient of a built layer at input {@code x}. */
    public static void checkLayer(Layer layer, Tensor x, long seed) {
        try (Arena arena = Arena.ofConfined()) {
            Shape outShape = layer.outputShape(x.shape());
            Tensor dy = Tensor.zeros(arena, outShape);
            SplittableRandom rnd = new SplittableRandom(seed);
            for (long i = 0; i < dy.size(); i++) {
                dy.setFlat(i, (float) (rnd.nextDouble() * 2 - 1));
            }
            DoubleSupplier objective = () -> dot(layer.forward(x), dy);

            for (Parameter p : layer.parameters()) {
                p.zeroGrad();
            }
            layer.forward(x);
            Tensor dx = layer.backward(dy, true);
            float[] analyticDx = dx.toArray();
            float[][] analyticParams = new float[layer.parameters().size()][];
            for (int i = 0; i < analyticParams.length; i++) {
                analyticParams[i] = layer.parameters().get(i).grad().toArray();
            }

            compare(layer.label() + " dx", x, analyticDx, objective);
            for (int i = 0; i < analyticParams.length; i++) {
                Parameter p = layer.parameters().get(i);
                compare(layer.label() + " d" + p.name(), p.value(), analyticParams[i], objective);
            }
        }
    }

    /** Checks d(loss)/d(scores) of a loss at {@code scores}. */
    public static void checkLoss(Loss loss, Tensor scores, int[] labels) {
        loss.forward(scores, labels);
        float[] analytic = loss.backward().toArray();
        compare(loss.describe() + " dscores", scores, analytic, () -> loss.forward(scores, labels));
    }

    /**
     * Compares {@code analytic} with central differences of {@code objective} with respect to
     * every element of {@code variable}, which is perturbed in place and restored.
     */
    public static void compare(String what, Tensor variable, float[] analytic, DoubleSupplier objective) {
        int skipped = 0;
        double scale = 0;
        for (float a : analytic) {
            scale = Math.max(scale, Math.abs(a));
        }
        for (int i = 0; i < variable.size(); i++) {
            float orig = variable.getFlat(i);
            double slope = centralDifference(variable, i, orig, STEP, objective);
            double slopeHalf = centralDifference(variable, i, orig, STEP / 2, objective);
            variable.setFlat(i, orig);
            double tol = ATOL * Math.max(1, scale) + RTOL * Math.abs(slopeHalf);
            if (Math.abs(slope - slopeHalf) > tol) {
                skipped++; // not smooth around this point: a kink lies within one step
                continue;
            }
            if (!(Math.abs(analytic[i] - slopeHalf) <= tol)) {
                throw new AssertionError(what + " at " + coordinates(variable.shape(), i) + ": analytic "
                        + analytic[i] + ", numeric " + slopeHalf + " (tolerance " + tol + ")");
            }
        }
        if (skipped * 4 > variable.size()) {
            throw new AssertionError(what + ": " + skipped + " of " + variable.size()
                    + " points skipped as kinks; the gradient was not really checked");
        }
    }

    private static double centralDifference(Tensor v, int i, float orig, double h, DoubleSupplier f) {
        v.setFlat(i, (float) (orig + h));
        double plus = f.getAsDouble();
        v.setFlat(i, (float) (orig - h));
        double minus = f.getAsDouble();
        // Divide by the step actually taken after rounding to float.
        double taken = (double) (float) (orig + h) - (double) (float) (orig - h);
        return (plus - minus) / taken;
    }

    private static double dot(Tensor a, Tensor b) {
        double s = 0;
        for (long i = 0; i < a.size(); i++) {
            s += (double) a.getFlat(i) * b.getFlat(i);
        }
        return s;
    }

    private static String coordinates(Shape shape, int i) {
        return Arrays.toString(shape.indexOf(i)).replace('[', '(').replace(']', ')');
    }

    /** Uniform random values in [-1, 1), seeded. */
    public static Tensor random(Arena arena, long seed, int... dims) {
        Tensor t = Tensor.zeros(arena, dims);
        SplittableRandom rnd = new SplittableRandom(seed);
        for (long i = 0; i < t.size(); i++) {
            t.setFlat(i, (float) (rnd.nextDouble() * 2 - 1));
        }
        return t;
    }
}
