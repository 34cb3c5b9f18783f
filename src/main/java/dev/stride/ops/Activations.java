package dev.stride.ops;

import dev.stride.tensor.HeapChunks;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static dev.stride.tensor.Tensor.FLOAT;

/**
 * Element-wise activations and their derivatives, forward and backward side by side. Offsets and
 * counts are in floats; every function overwrites its output. The loops are plain counted loops
 * over segment indices with no calls the JIT cannot inline, or loops over heap chunks where C2
 * vectorises only those ({@link HeapChunks}); the ones with {@code exp} go through {@link FastExp}
 * in heap chunks instead of calling Math.exp per element. Where the saved output gives the
 * derivative exactly (ReLU, sigmoid, tanh) backward takes y instead of x.
 */
public final class Activations {
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;

    private Activations() {
    }

    /** y = max(x, 0): on the Vector API where {@link VectorSupport#enabled} ({@link VectorActivations}), else {@link #reluForwardPlain}. */
    public static void reluForward(MemorySegment x, long xOff, MemorySegment y, long yOff, long count) {
        if (VectorSupport.enabled()) {
            VectorActivations.reluForward(x, xOff, y, yOff, count);
        } else {
            reluForwardPlain(x, xOff, y, yOff, count);
        }
    }

    /** y = max(x, 0), through heap chunks where the loop vectorises (see HeapChunks). */
    static void reluForwardPlain(MemorySegment x, long xOff, MemorySegment y, long yOff, long count) {
        float[] a = HeapChunks.get().a;
        for (long at = 0; at < count; at += HeapChunks.SIZE) {
            int len = (int) Math.min(HeapChunks.SIZE, count - at);
            HeapChunks.load(x, xOff + at, a, len);
            for (int i = 0; i < len; i++) {
                a[i] = Math.max(a[i], 0f);
            }
            HeapChunks.store(a, len, y, yOff + at);
        }
    }

    /**
     * dx = dy where y > 0, else 0 (the subgradient at 0 is 0, as in PyTorch): on the Vector API
     * where {@link VectorSupport#enabled}, else {@link #reluBackwardPlain}.
     */
    public static void reluBackward(MemorySegment y, long yOff, MemorySegment dy, long dyOff, MemorySegment dx, long dxOff, long count) {
        if (VectorSupport.enabled()) {
            VectorActivations.reluBackward(y, yOff, dy, dyOff, dx, dxOff, count);
        } else {
            reluBackwardPlain(y, yOff, dy, dyOff, dx, dxOff, count);
        }
    }

    /**
     * {@link #reluBackward} in a plain loop that stays on segments: the select compiles to a
     * conditional move here but to a mispredicted branch on arrays.
     */
    static void reluBackwardPlain(MemorySegment y, long yOff, MemorySegment dy, long dyOff, MemorySegment dx, long dxOff, long count) {
        for (long i = 0; i < count; i++) {
            float g = dy.getAtIndex(FLOAT, dyOff + i);
            dx.setAtIndex(FLOAT, dxOff + i, y.getAtIndex(FLOAT, yOff + i) > 0f ? g : 0f);
        }
    }

    /** y = min(max(x, 0), 6): on the Vector API where {@link VectorSupport#enabled}, else {@link #relu6ForwardPlain}. */
    public static void relu6Forward(MemorySegment x, long xOff, MemorySegment y, long yOff, long count) {
        if (VectorSupport.enabled()) {
            VectorActivations.relu6Forward(x, xOff, y, yOff, count);
        } else {
            relu6ForwardPlain(x, xOff, y, yOff, count);
        }
    }

    /** y = min(max(x, 0), 6), through heap chunks where the loop vectorises. */
    static void relu6ForwardPlain(MemorySegment x, long xOff, MemorySegment y, long yOff, long count) {
        float[] a = HeapChunks.get().a;
        for (long at = 0; at < count; at += HeapChunks.SIZE) {
            int len = (int) Math.min(HeapChunks.SIZE, count - at);
            HeapChunks.load(x, xOff + at, a, len);
            for (int i = 0; i < len; i++) {
                a[i] = Math.min(Math.max(a[i], 0f), 6f);
            }
            HeapChunks.store(a, len, y, yOff + at);
        }
    }

    /**
     * dx = dy where 0 < y < 6, else 0: zero at both kinks and beyond, as PyTorch's hardtanh
     * backward (y is strictly inside exactly where x is). On the Vector API where
     * {@link VectorSupport#enabled}, else {@link #relu6BackwardPlain}.
     */
    public static void relu6Backward(MemorySegment y, long yOff, MemorySegment dy, long dyOff, MemorySegment dx, long dxOff, long count) {
        if (VectorSupport.enabled()) {
            VectorActivations.relu6Backward(y, yOff, dy, dyOff, dx, dxOff, count);
        } else {
            relu6BackwardPlain(y, yOff, dy, dyOff, dx, dxOff, count);
        }
    }

    /** {@link #relu6Backward} in a plain loop on segments, as {@link #reluBackwardPlain}: the select compiles to conditional moves here. */
    static void relu6BackwardPlain(MemorySegment y, long yOff, MemorySegment dy, long dyOff, MemorySegment dx, long dxOff, long count) {
        for (long i = 0; i < count; i++) {
            float v = y.getAtIndex(FLOAT, yOff + i);
            float g = dy.getAtIndex(FLOAT, dyOff + i);
            dx.setAtIndex(FLOAT, dxOff + i, v > 0f && v < 6f ? g : 0f);
        }
    }

    /** y = x for x > 0, slope*x otherwise (leaky ReLU). */
    public static void leakyReluForward(float slope, MemorySegment x, long xOff, MemorySegment y, long yOff, long count) {
        for (long i = 0; i < count; i++) {
            float v = x.getAtIndex(FLOAT, xOff + i);
            y.setAtIndex(FLOAT, yOff + i, v > 0f ? v : slope * v);
        }
    }

    public static void leakyReluBackward(float slope, MemorySegment x, long xOff, MemorySegment dy, long dyOff,
                                         MemorySegment dx, long dxOff, long count) {
        for (long i = 0; i < count; i++) {
            float g = dy.getAtIndex(FLOAT, dyOff + i);
            dx.setAtIndex(FLOAT, dxOff + i, x.getAtIndex(FLOAT, xOff + i) > 0f ? g : slope * g);
        }
    }

    /** y = x for x > 0, alpha*(exp(x) - 1) otherwise: on the Vector API where {@link VectorSupport#enabled}. */
    public static void eluForward(float alpha, MemorySegment x, long xOff, MemorySegment y, long yOff, long count) {
        if (VectorSupport.enabled()) {
            VectorActivations.eluForward(alpha, x, xOff, y, yOff, count);
        } else {
            eluForwardPlain(alpha, x, xOff, y, yOff, count);
        }
    }

    /** {@link #eluForward} through heap chunks and {@link FastExp}. */
    static void eluForwardPlain(float alpha, MemorySegment x, long xOff, MemorySegment y, long yOff, long count) {
        Scratch t = SCRATCH.get();
        for (long start = 0; start < count; start += FastExp.CHUNK) {
            int len = (int) Math.min(FastExp.CHUNK, count - start);
            MemorySegment.copy(x, FLOAT, (xOff + start) * Float.BYTES, t.x, 0, len);
            for (int i = 0; i < len; i++) {
                t.e[i] = Math.min(t.x[i], 0f);
            }
            FastExp.exp(t.e, t.e, t.bits, len);
            for (int i = 0; i < len; i++) {
                float v = t.x[i];
                float neg = Math.min(v, 0f);
                // exp(v) - 1 cancels near 0, so a short series takes over there (error below v^4/24);
                // the blend weight w is 1 above -1e-3 and 0 below, made of min and max so the loop
                // vectorises, and the series input is clamped so its weight-0 value stays finite.
                float w = Math.min(Math.max((neg + 1e-3f) * 0x1p100f, 0f), 1f);
                float u = Math.max(neg, -1e-3f);
                float series = u + u * u * (0.5f + u * (1f / 6f));
                float expm1 = w * series + (1f - w) * (t.e[i] - 1f);
                t.y[i] = Math.max(v, 0f) + alpha * expm1;
            }
            MemorySegment.copy(t.y, 0, y, FLOAT, (yOff + start) * Float.BYTES, len);
        }
    }

    /**
     * For x <= 0 the derivative alpha*exp(x) equals y + alpha, so no exp is recomputed: on the
     * Vector API where {@link VectorSupport#enabled}, else {@link #eluBackwardPlain}.
     */
    public static void eluBackward(float alpha, MemorySegment x, long xOff, MemorySegment y, long yOff, MemorySegment dy, long dyOff,
                                   MemorySegment dx, long dxOff, long count) {
        if (VectorSupport.enabled()) {
            VectorActivations.eluBackward(alpha, x, xOff, y, yOff, dy, dyOff, dx, dxOff, count);
        } else {
            eluBackwardPlain(alpha, x, xOff, y, yOff, dy, dyOff, dx, dxOff, count);
        }
    }

    /**
     * {@link #eluBackward} through heap chunks. The choice between 1 and y + alpha is arithmetic,
     * m = max(signum(x), 0) being 1 for x > 0 and 0 otherwise (NaN stays NaN), so the loop
     * vectorises: the select it replaces branched unpredictably (docs/design-measurements.md).
     */
    static void eluBackwardPlain(float alpha, MemorySegment x, long xOff, MemorySegment y, long yOff, MemorySegment dy,
                                 long dyOff, MemorySegment dx, long dxOff, long count) {
        Scratch t = SCRATCH.get();
        for (long start = 0; start < count; start += FastExp.CHUNK) {
            int len = (int) Math.min(FastExp.CHUNK, count - start);
            MemorySegment.copy(x, FLOAT, (xOff + start) * Float.BYTES, t.x, 0, len);
            MemorySegment.copy(y, FLOAT, (yOff + start) * Float.BYTES, t.e, 0, len);
            MemorySegment.copy(dy, FLOAT, (dyOff + start) * Float.BYTES, t.y, 0, len);
            for (int i = 0; i < len; i++) {
                float m = Math.max(Math.signum(t.x[i]), 0f);
                t.y[i] = t.y[i] * (m + (1f - m) * (t.e[i] + alpha));
            }
            MemorySegment.copy(t.y, 0, dx, FLOAT, (dxOff + start) * Float.BYTES, len);
        }
    }

    /** y = 1 / (1 + exp(-x)): on the Vector API where {@link VectorSupport#enabled}. */
    public static void sigmoidForward(MemorySegment x, long xOff, MemorySegment y, long yOff, long count) {
        if (VectorSupport.enabled()) {
            VectorActivations.sigmoidForward(x, xOff, y, yOff, count);
        } else {
            sigmoidForwardPlain(x, xOff, y, yOff, count);
        }
    }

    /** {@link #sigmoidForward} through heap chunks and {@link FastExp}. */
    static void sigmoidForwardPlain(MemorySegment x, long xOff, MemorySegment y, long yOff, long count) {
        Scratch t = SCRATCH.get();
        for (long start = 0; start < count; start += FastExp.CHUNK) {
            int len = (int) Math.min(FastExp.CHUNK, count - start);
            MemorySegment.copy(x, FLOAT, (xOff + start) * Float.BYTES, t.x, 0, len);
            sigmoid(t, len);
            MemorySegment.copy(t.y, 0, y, FLOAT, (yOff + start) * Float.BYTES, len);
        }
    }

    /** dx = dy * y * (1 - y): on the Vector API where {@link VectorSupport#enabled}. */
    public static void sigmoidBackward(MemorySegment y, long yOff, MemorySegment dy, long dyOff, MemorySegment dx, long dxOff, long count) {
        if (VectorSupport.enabled()) {
            VectorActivations.sigmoidBackward(y, yOff, dy, dyOff, dx, dxOff, count);
        } else {
            sigmoidBackwardPlain(y, yOff, dy, dyOff, dx, dxOff, count);
        }
    }

    /** {@link #sigmoidBackward} through heap chunks where it vectorises (see HeapChunks). */
    static void sigmoidBackwardPlain(MemorySegment y, long yOff, MemorySegment dy, long dyOff, MemorySegment dx, long dxOff, long count) {
        HeapChunks.pairwise(y, yOff, dy, dyOff, dx, dxOff, count, (s, g, len) -> {
            for (int i = 0; i < len; i++) {
                g[i] = g[i] * s[i] * (1f - s[i]);
            }
        });
    }

    public static void tanhForward(MemorySegment x, long xOff, MemorySegment y, long yOff, long count) {
        for (long i = 0; i < count; i++) {
            y.setAtIndex(FLOAT, yOff + i, (float) Math.tanh(x.getAtIndex(FLOAT, xOff + i)));
        }
    }

    /** dx = dy * (1 - y^2), through heap chunks where it vectorises. */
    public static void tanhBackward(MemorySegment y, long yOff, MemorySegment dy, long dyOff, MemorySegment dx, long dxOff, long count) {
        HeapChunks.pairwise(y, yOff, dy, dyOff, dx, dxOff, count, (t, g, len) -> {
            for (int i = 0; i < len; i++) {
                g[i] = g[i] * (1f - t[i] * t[i]);
            }
        });
    }

    /** SiLU (Swish): y = x * sigmoid(x). */
    public static void siluForward(MemorySegment x, long xOff, MemorySegment y, long yOff, long count) {
        Scratch t = SCRATCH.get();
        for (long start = 0; start < count; start += FastExp.CHUNK) {
            int len = (int) Math.min(FastExp.CHUNK, count - start);
            MemorySegment.copy(x, FLOAT, (xOff + start) * Float.BYTES, t.x, 0, len);
            sigmoid(t, len);
            for (int i = 0; i < len; i++) {
                t.y[i] *= t.x[i];
            }
            MemorySegment.copy(t.y, 0, y, FLOAT, (yOff + start) * Float.BYTES, len);
        }
    }

    /** dy/dx = s + y*(1 - s) with s = sigmoid(x), recomputed rather than stored. */
    public static void siluBackward(MemorySegment x, long xOff, MemorySegment y, long yOff, MemorySegment dy, long dyOff,
                                    MemorySegment dx, long dxOff, long count) {
        Scratch t = SCRATCH.get();
        for (long start = 0; start < count; start += FastExp.CHUNK) {
            int len = (int) Math.min(FastExp.CHUNK, count - start);
            MemorySegment.copy(x, FLOAT, (xOff + start) * Float.BYTES, t.x, 0, len);
            sigmoid(t, len);
            for (int i = 0; i < len; i++) {
                long at = start + i;
                float s = t.y[i];
                float slope = s + y.getAtIndex(FLOAT, yOff + at) * (1f - s);
                dx.setAtIndex(FLOAT, dxOff + at, dy.getAtIndex(FLOAT, dyOff + at) * slope);
            }
        }
    }

    /** out = a * b element-wise (dropout applies its mask with this, forward and backward), through heap chunks. */
    public static void multiply(MemorySegment a, long aOff, MemorySegment b, long bOff, MemorySegment out, long outOff, long count) {
        HeapChunks.pairwise(a, aOff, b, bOff, out, outOff, count, (p, q, len) -> {
            for (int i = 0; i < len; i++) {
                q[i] = p[i] * q[i];
            }
        });
    }

    /**
     * PReLU over x (n, channels, inner): y = x for x > 0, slope[c]*x otherwise, with slope[c] at
     * {@code slopeOff + c}.
     */
    public static void preluForward(int n, int channels, long inner, MemorySegment slope, long slopeOff,
                                    MemorySegment x, long xOff, MemorySegment y, long yOff) {
        for (int b = 0; b < n; b++) {
            for (int c = 0; c < channels; c++) {
                float a = slope.getAtIndex(FLOAT, slopeOff + c);
                long base = ((long) b * channels + c) * inner;
                leakyReluForward(a, x, xOff + base, y, yOff + base, inner);
            }
        }
    }

    /**
     * PReLU backward: accumulates dSlope[c] += sum over n and the inner positions of dy*x where
     * x < 0, and, when dx is not null, overwrites dx = dy for x > 0 and slope[c]*dy otherwise.
     */
    public static void preluBackward(int n, int channels, long inner, MemorySegment slope, long slopeOff,
                                     MemorySegment x, long xOff, MemorySegment dy, long dyOff,
                                     MemorySegment dSlope, long dSlopeOff, MemorySegment dx, long dxOff) {
        for (int c = 0; c < channels; c++) {
            double sum = 0;
            for (int b = 0; b < n; b++) {
                long base = ((long) b * channels + c) * inner;
                for (long i = 0; i < inner; i++) {
                    float v = x.getAtIndex(FLOAT, xOff + base + i);
                    sum += v < 0f ? v * dy.getAtIndex(FLOAT, dyOff + base + i) : 0f;
                }
                if (dx != null) {
                    leakyReluBackward(slope.getAtIndex(FLOAT, slopeOff + c), x, xOff + base, dy, dyOff + base, dx, dxOff + base, inner);
                }
            }
            long at = dSlopeOff + c;
            dSlope.setAtIndex(FLOAT, at, dSlope.getAtIndex(FLOAT, at) + (float) sum);
        }
    }

    /**
     * Maxout over x (n, outChannels*k, inner): y[b, j, s] is the max over input channels j*k ..
     * j*k+k-1 (the first on ties), and argmax (n, outChannels, inner; ints from element argOff) holds
     * which of the k won. The scan runs channel by channel over whole rows so the inner loop is a
     * counted loop of compares and selects.
     */
    public static void maxoutForward(int n, int outChannels, int k, long inner, MemorySegment x, long xOff,
                                     MemorySegment y, long yOff, MemorySegment argmax, long argOff) {
        for (int b = 0; b < n; b++) {
            for (int j = 0; j < outChannels; j++) {
                long out = ((long) b * outChannels + j) * inner;
                long in = ((long) b * outChannels + j) * k * inner;
                for (long s = 0; s < inner; s++) {
                    y.setAtIndex(FLOAT, yOff + out + s, x.getAtIndex(FLOAT, xOff + in + s));
                    argmax.setAtIndex(INT, argOff + out + s, 0);
                }
                for (int t = 1; t < k; t++) {
                    long row = xOff + in + t * inner;
                    for (long s = 0; s < inner; s++) {
                        float v = x.getAtIndex(FLOAT, row + s);
                        float best = y.getAtIndex(FLOAT, yOff + out + s);
                        boolean wins = v > best;
                        y.setAtIndex(FLOAT, yOff + out + s, wins ? v : best);
                        argmax.setAtIndex(INT, argOff + out + s, wins ? t : argmax.getAtIndex(INT, argOff + out + s));
                    }
                }
            }
        }
    }

    /** Overwrites dx (n, outChannels*k, inner): dy at each argmax, zero at the channels that lost. */
    public static void maxoutBackward(int n, int outChannels, int k, long inner, MemorySegment dy, long dyOff,
                                      MemorySegment argmax, long argOff, MemorySegment dx, long dxOff) {
        for (int b = 0; b < n; b++) {
            for (int j = 0; j < outChannels; j++) {
                long out = ((long) b * outChannels + j) * inner;
                long in = ((long) b * outChannels + j) * k * inner;
                for (int t = 0; t < k; t++) {
                    long row = dxOff + in + t * inner;
                    for (long s = 0; s < inner; s++) {
                        float g = dy.getAtIndex(FLOAT, dyOff + out + s);
                        dx.setAtIndex(FLOAT, row + s, argmax.getAtIndex(INT, argOff + out + s) == t ? g : 0f);
                    }
                }
            }
        }
    }

    /**
     * t.y = sigmoid(t.x) over the first len elements, from e = exp(-|x|) only, so large |x|
     * saturates to 0 or 1 instead of overflowing: 1/(1 + e) for x >= 0 and e/(1 + e) below. The
     * numerator is picked with max against a 0-or-1 step rather than a branch so the loop
     * vectorises (at x = 0 both numerators are 1).
     */
    private static void sigmoid(Scratch t, int len) {
        for (int i = 0; i < len; i++) {
            t.e[i] = -Math.abs(t.x[i]);
        }
        FastExp.exp(t.e, t.e, t.bits, len);
        for (int i = 0; i < len; i++) {
            float e = t.e[i];
            float positive = Math.min(Math.max(t.x[i] * 0x1p100f, 0f), 1f);
            t.y[i] = Math.max(e, positive) / (1f + e);
        }
    }

    /**
     * Per-thread heap chunks for the exp-based kernels: C2 vectorises counted loops over float[]
     * far more reliably than over segments, and a thread's chunks are reused across calls so the
     * kernels do not allocate.
     */
    private static final class Scratch {
        final float[] x = new float[FastExp.CHUNK];
        final float[] e = new float[FastExp.CHUNK];
        final float[] y = new float[FastExp.CHUNK];
        final int[] bits = new int[FastExp.CHUNK];
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);
}
