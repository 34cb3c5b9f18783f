package dev.stride.ops;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

import static dev.stride.tensor.Tensor.FLOAT;

/**
 * Depthwise convolution of one channel's plane with one filter, forward and backward side by
 * side, as loops over heap arrays: on the Vector API ({@link VectorDepthwise}) when the layer's
 * policy asks for it, else plain loops, with the same bits.
 *
 * <p>Layout ({@link PhasedPlane}). The zero-padded input plane (Hp = H + 2P rows, Wp = W + 2P
 * columns) is stored split into its S x S phases by row and column remainder (S the stride):
 * padded pixel (r, c) sits at
 * {@code ((r%S)*S + c%S)*Hq*Wq + (r/S)*Wq + c/S}, with Hq = ceil(Hp/S), Wq = ceil(Wp/S). Output
 * pixel (oh, ow) reads padded pixel (oh*S + i, ow*S + j) for tap (i, j), which then sits at
 * {@code o(i, j) + oh*Wq + ow} with o(i, j) = ((i%S)*S + j%S)*Hq*Wq + (i/S)*Wq + j/S. So with the
 * output kept at row pitch Wq (index q = oh*Wq + ow; columns ow >= outW are spare), every tap is one
 * contiguous loop over q, at stride 1 and 2 alike:
 * <pre>
 *   y[q]      = b + sum over taps t of w[t] * x[o(t) + q]                  (forward)
 *   dw[t]    += sum over q of dy[q] * x[o(t) + q]                          (weight gradient)
 *   dx[o(t) + q] += w[t] * dy[q]                                         (input gradient, S > 1)
 *   dx[z]     = sum over taps of w[i, j] * dy[z - i*Wq - j]               (input gradient, S = 1)
 * </pre>
 * The spare output columns get garbage in forward and are never stored; the gradient's spare
 * columns are kept at zero, so they add nothing. At stride 1 the input gradient is the gather form
 * (a correlation with the flipped filter over dy, padded in front by {@link #gradientFront()}
 * zeros), one pass for all taps; at larger strides each tap scatters. The weight and bias
 * gradients fold each plane's products into {@link #FOLD} running sums per tap (position q into
 * sum q % FOLD, in order), reduced once per channel in {@link FloatSums}' fixed order, so they
 * stay in the L1 cache and come out the same on either path.
 *
 * <p>Instances hold only the geometry; the per-part arrays come from {@link Planes}.
 */
public final class Depthwise {
    /** Running sums per tap for the parameter gradients: 32, as {@link FloatSums}. */
    static final int FOLD = 32;
    /** Most floats of a stack of planes in one array (16 KB, so the stack stays in L1). */
    static final int STACK_FLOATS = 4096;

    private final int h, w, kH, kW, stride, pad, outH, outW;
    private final boolean vector;    // the loops on the Vector API (VectorDepthwise)
    private final boolean pairsOnVectors; // stride 2's column-parity splits too (VectorPairs, AVX-512 only)
    private final PhasedPlane layout; // the phased padded input (and its gradient)
    private final int hq, wq;        // rows and columns of one phase of it
    private final int[] inputTaps;   // o(i, j): where tap (i, j) of output q = 0 reads the phased input
    private final int[] gatherTaps;  // stride 1: where tap (i, j) of dx z = 0 reads the padded gradient
    private final int front;         // zeros before the gradient plane, so the gather never reads below 0
    private final int block;         // floats between two samples' planes in a stack: the longer of a phased input and a gradient plane

    /**
     * {@code outH} and {@code outW} come from {@link OutputSize} (flooring already decided there);
     * {@code vector} picks the Vector API's loops (the policy passes whether the JVM has it; tests
     * compare both).
     */
    public Depthwise(int height, int width, int kernelH, int kernelW, int stride, int padding, int outH, int outW,
                     boolean vector) {
        if (vector) {
            VectorSupport.requirePresent("depthwise convolution");
        }
        if ((long) (outH - 1) * stride + kernelH > height + 2L * padding
                || (long) (outW - 1) * stride + kernelW > width + 2L * padding || outH < 1 || outW < 1) {
            throw new IllegalArgumentException("depthwise: " + outH + "x" + outW + " windows of " + kernelH + "x" + kernelW
                    + " at stride " + stride + " do not fit a " + height + "x" + width + " plane with padding " + padding);
        }
        this.vector = vector;
        this.pairsOnVectors = vector && stride == 2 && VectorPairs.inHardware();
        this.h = height;
        this.w = width;
        this.kH = kernelH;
        this.kW = kernelW;
        this.stride = stride;
        this.pad = padding;
        this.outH = outH;
        this.outW = outW;
        this.layout = new PhasedPlane(height, width, stride, padding);
        this.hq = layout.rows();
        this.wq = layout.cols();
        this.front = (kernelH - 1) * wq + kernelW - 1;
        this.block = Math.max(layout.floats() + kernelW, front + Math.max(height + 2 * padding, outH) * wq + kernelW);
        this.inputTaps = new int[kernelH * kernelW];
        this.gatherTaps = new int[kernelH * kernelW];
        for (int i = 0; i < kernelH; i++) {
            for (int j = 0; j < kernelW; j++) {
                inputTaps[i * kernelW + j] = layout.tapOffset(i, j);
                gatherTaps[i * kernelW + j] = front - i * wq - j;
            }
        }
    }

    /** Taps of one filter: kH*kW. */
    public int taps() {
        return kH * kW;
    }

    /** Length of an output or gradient plane at row pitch Wq: outH*Wq. */
    public int planeLength() {
        return outH * wq;
    }

    /** Zeros in front of the gradient plane in a {@link Planes#dy} array. */
    public int gradientFront() {
        return front;
    }

    /**
     * One part's arrays; {@code training} adds those backward needs, {@code filters} the filters
     * per channel, and backward runs {@code stack} samples' planes of a channel at once.
     */
    public Planes planes(boolean training, int filters, int stack) {
        return new Planes(this, training, filters, stack);
    }

    /**
     * How many of {@code samples} samples' planes backward should stack: each of its steps (the
     * parameter gradients' folds, the input gradient) then runs once over a stack of planes laid
     * {@link #block} floats apart instead of once per plane, whose fixed costs dominated the small
     * planes of MobileNet's last stages (docs/design-measurements.md). Up to {@link #STACK_FLOATS}.
     */
    public int stackFor(int samples) {
        return Math.max(1, Math.min(samples, STACK_FLOATS / block));
    }

    /**
     * One part's heap arrays, reused for every plane: the phased input, the output plane, a row, and
     * for training the padded gradient, the phased input gradient and the weight and bias gradient
     * running sums (per filter of a channel, per tap, per output position). For backward the input,
     * gradient and input-gradient arrays hold a stack of planes, slot k's at k * block; everything
     * between two planes' data stays 0 (see {@link #accumulateParameterGrads}).
     */
    public static final class Planes {
        final float[] x;      // (S*S*Hq*Wq + kW + slack): the phased padded input; the padding and spare slots stay 0
        final float[] y;      // (outH*Wq + slack): one output plane at row pitch Wq
        final float[] row;    // (max(W, outW)): one row on its way between a segment and the phases
        final float[] taps;   // (kH*kW): one filter
        final float[] dy;     // (front + max(Hp, outH)*Wq + kW + slack): the gradient plane after `front` zeros; spare columns stay 0
        final float[] dx;     // as x: the phased padded input gradient
        final float[][] sums; // (filters*(kH*kW + 1), FOLD): folded dW sums per filter and tap, then the dB sums

        private Planes(Depthwise g, boolean training, int filters, int stack) {
            // The Vector API's loops read and write whole vectors past a plane's last element
            // (masked where it matters): the slack keeps them inside the arrays.
            int slack = g.vector ? VectorSupport.SLACK_FLOATS : 0;
            int stacked = training ? (stack - 1) * g.block : 0;
            int phased = stacked + g.layout.floats() + g.kW + slack;
            x = new float[phased];
            y = new float[g.planeLength() + slack];
            row = new float[Math.max(g.w, g.outW)];
            taps = new float[g.taps()];
            dy = training ? new float[stacked + g.front + Math.max(g.h + 2 * g.pad, g.outH) * g.wq + g.kW + slack] : null;
            dx = training ? new float[phased] : null;
            sums = training ? new float[filters * (g.taps() + 1)][FOLD] : null;
        }
    }

    /** Copies one input plane (H*W floats at {@code offset}) into the phased layout. */
    public void loadInput(MemorySegment x, long offset, Planes p) {
        loadInput(x, offset, p, 0);
    }

    /** {@link #loadInput} into plane {@code index} of the stack. */
    public void loadInput(MemorySegment x, long offset, Planes p, int index) {
        for (int ih = 0; ih < h; ih++) {
            long from = (offset + (long) ih * w) * Float.BYTES;
            int rowBase = index * block + layout.rowBase(ih);
            if (stride == 1) {
                MemorySegment.copy(x, FLOAT, from, p.x, rowBase + pad, w);
                continue;
            }
            if (pairsOnVectors) {
                VectorPairs.split(x, offset + (long) ih * w, w, p.x, layout.evenColumn(rowBase), p.x, layout.oddColumn(rowBase));
            } else {
                MemorySegment.copy(x, FLOAT, from, p.row, 0, w);
                layout.splitRow(p.row, 0, p.x, rowBase);
            }
        }
    }

    /** Copies filter {@code filter}'s kH*kW taps from the (K, 1, kH, kW) weights at {@code offset}. */
    public void loadFilter(MemorySegment weights, long offset, int filter, Planes p) {
        MemorySegment.copy(weights, FLOAT, (offset + (long) filter * taps()) * Float.BYTES, p.taps, 0, taps());
    }

    /** y = b + the loaded filter over the loaded input, stored as the outH*outW plane at {@code offset}. */
    public void forward(float bias, Planes p, MemorySegment y, long offset) {
        convolve(bias, p);
        store(p, y, offset);
    }

    /**
     * {@link #forward}, then batch norm with these evaluation constants and the clamp to [min, max]
     * of the activation after it, on the heap before the plane is stored: a convolution fused with
     * the two in an inference build, the same bits as {@link BatchNorm#normalize} over the stored plane.
     */
    public void forwardNormalized(float bias, double mean, float scale, float beta, float min, float max,
                                  Planes p, MemorySegment y, long offset) {
        convolve(bias, p);
        BatchNorm.normalize(p.y, 0, planeLength(), mean, scale, beta, min, max);
        store(p, y, offset);
    }

    private void convolve(float bias, Planes p) {
        Arrays.fill(p.y, 0, planeLength(), bias);
        accumulateTaps(p.x, inputTaps, p.taps, p.y, 0, planeLength());
    }

    /** The output plane's rows, without the spare columns, to the outH*outW plane at {@code offset}. */
    private void store(Planes p, MemorySegment y, long offset) {
        for (int oh = 0; oh < outH; oh++) {
            MemorySegment.copy(p.y, oh * wq, y, FLOAT, (offset + (long) oh * outW) * Float.BYTES, outW);
        }
    }

    /** Copies one gradient plane (outH*outW floats at {@code offset}) into the padded gradient array. */
    public void loadGradient(MemorySegment dy, long offset, Planes p) {
        loadGradient(dy, offset, p, 0);
    }

    /** {@link #loadGradient} into plane {@code index} of the stack. */
    public void loadGradient(MemorySegment dy, long offset, Planes p, int index) {
        for (int oh = 0; oh < outH; oh++) {
            MemorySegment.copy(dy, FLOAT, (offset + (long) oh * outW) * Float.BYTES, p.dy, index * block + front + oh * wq, outW);
        }
    }

    /** Zeroes the running sums of the channel's filters before its first sample. */
    public void clearSums(Planes p) {
        for (float[] s : p.sums) {
            Arrays.fill(s, 0f);
        }
    }

    /**
     * For the {@code slot}-th filter of the channel: its dW running sums per tap += dy * the input
     * each tap read, and its dB running sums += dy (loaded gradient, loaded input).
     */
    public void accumulateParameterGrads(int slot, Planes p) {
        accumulateParameterGrads(slot, p, 1);
    }

    /**
     * {@link #accumulateParameterGrads} over the first {@code count} planes of the stack in one run
     * of positions: between two planes the gradient array holds zeros, so the positions there add
     * nothing (whatever the input array holds there, the tail of one plane or the head of the next).
     */
    public void accumulateParameterGrads(int slot, Planes p, int count) {
        int len = (count - 1) * block + planeLength();
        int taps = taps();
        for (int t = 0; t < taps; t++) {
            float[] s = p.sums[slot * (taps + 1) + t];
            if (vector) {
                VectorDepthwise.foldProducts(p.dy, front, p.x, inputTaps[t], s, len);
            } else {
                foldProductsPlain(p.dy, front, p.x, inputTaps[t], s, len);
            }
        }
        float[] s = p.sums[slot * (taps + 1) + taps];
        if (vector) {
            VectorDepthwise.foldSum(p.dy, front, s, len);
        } else {
            foldSumPlain(p.dy, front, s, len);
        }
    }

    /**
     * Writes the {@code slot}-th filter's weight gradient (kH*kW floats at {@code dwOffset},
     * overwritten when {@code fresh}, else added to) and adds its bias gradient at {@code dbOffset}
     * unless {@code db} is null: the running sums reduced in {@link FloatSums}' fixed order.
     */
    public void finishParameterGrads(int slot, Planes p, MemorySegment dw, long dwOffset, boolean fresh,
                                     MemorySegment db, long dbOffset) {
        int taps = taps();
        for (int t = 0; t < taps; t++) {
            float sum = FloatSums.sum(p.sums[slot * (taps + 1) + t], FOLD);
            long at = dwOffset + t;
            dw.setAtIndex(FLOAT, at, fresh ? sum : dw.getAtIndex(FLOAT, at) + sum);
        }
        if (db != null) {
            db.setAtIndex(FLOAT, dbOffset, db.getAtIndex(FLOAT, dbOffset) + FloatSums.sum(p.sums[slot * (taps + 1) + taps], FOLD));
        }
    }

    /** Zeroes the phased input gradient before a channel's first filter. */
    public void clearInputGrad(Planes p) {
        Arrays.fill(p.dx, 0f);
    }

    /** The phased input gradient += the loaded filter's share: dy spread back over the taps. */
    public void accumulateInputGrad(Planes p) {
        accumulateInputGrad(p, 1);
    }

    /**
     * {@link #accumulateInputGrad} over the first {@code count} planes of the stack in one run: a
     * plane's input positions read only its own gradient plane and the zeros around it, so they get
     * the sums they get alone; positions between planes get sums that are never stored.
     */
    public void accumulateInputGrad(Planes p, int count) {
        int len = (count - 1) * block + planeLength();
        if (stride == 1) {
            // Gather: every padded position z sums the taps that read it; only the rows holding
            // the input are needed (z from P*Wq for H*Wq positions).
            // (w[i, j] pairs with gatherTaps[i, j]: the flip lives in the offsets).
            accumulateTaps(p.dy, gatherTaps, p.taps, p.dx, pad * wq, (count - 1) * block + h * wq);
            return;
        }
        for (int t = 0; t < taps(); t++) {
            if (vector) {
                VectorDepthwise.accumulateScaled(p.dy, front, p.taps[t], p.dx, inputTaps[t], len);
            } else {
                accumulateScaledPlain(p.dy, front, p.taps[t], p.dx, inputTaps[t], len);
            }
        }
    }

    /** Copies the input positions of the phased input gradient to the H*W plane at {@code offset}. */
    public void storeInputGrad(Planes p, MemorySegment dx, long offset) {
        storeInputGrad(p, 0, dx, offset);
    }

    /** {@link #storeInputGrad} from plane {@code index} of the stack. */
    public void storeInputGrad(Planes p, int index, MemorySegment dx, long offset) {
        for (int ih = 0; ih < h; ih++) {
            long to = (offset + (long) ih * w) * Float.BYTES;
            int rowBase = index * block + layout.rowBase(ih);
            if (stride == 1) {
                MemorySegment.copy(p.dx, rowBase + pad, dx, FLOAT, to, w);
                continue;
            }
            if (pairsOnVectors) {
                VectorPairs.merge(p.dx, layout.evenColumn(rowBase), p.dx, layout.oddColumn(rowBase), dx, offset + (long) ih * w, w);
            } else {
                layout.mergeRow(p.dx, rowBase, p.row);
                MemorySegment.copy(p.row, 0, dx, FLOAT, to, w);
            }
        }
    }

    private void accumulateTaps(float[] src, int[] offsets, float[] w, float[] dst, int at, int len) {
        if (vector) {
            VectorDepthwise.accumulateTaps(src, offsets, w, dst, at, len);
        } else {
            accumulateTapsPlain(src, offsets, w, dst, at, len);
        }
    }

    /**
     * dst[at + q] += sum over taps t of w[t] * src[offsets[t] + at + q] for q below len: nine taps
     * (a 3x3 filter) in one pass, others three at a time, so dst is read and written once per pass.
     */
    static void accumulateTapsPlain(float[] src, int[] offsets, float[] w, float[] dst, int at, int len) {
        int taps = offsets.length;
        if (taps == 9) {
            int o0 = offsets[0] + at, o1 = offsets[1] + at, o2 = offsets[2] + at, o3 = offsets[3] + at;
            int o4 = offsets[4] + at, o5 = offsets[5] + at, o6 = offsets[6] + at, o7 = offsets[7] + at, o8 = offsets[8] + at;
            float w0 = w[0], w1 = w[1], w2 = w[2], w3 = w[3], w4 = w[4], w5 = w[5], w6 = w[6], w7 = w[7], w8 = w[8];
            for (int q = 0; q < len; q++) {
                dst[at + q] += w0 * src[o0 + q] + w1 * src[o1 + q] + w2 * src[o2 + q]
                        + w3 * src[o3 + q] + w4 * src[o4 + q] + w5 * src[o5 + q]
                        + w6 * src[o6 + q] + w7 * src[o7 + q] + w8 * src[o8 + q];
            }
            return;
        }
        int t = 0;
        for (; t + 3 <= taps; t += 3) {
            int o0 = offsets[t] + at, o1 = offsets[t + 1] + at, o2 = offsets[t + 2] + at;
            float w0 = w[t], w1 = w[t + 1], w2 = w[t + 2];
            for (int q = 0; q < len; q++) {
                dst[at + q] += w0 * src[o0 + q] + w1 * src[o1 + q] + w2 * src[o2 + q];
            }
        }
        for (; t < taps; t++) {
            accumulateScaledPlain(src, offsets[t] + at, w[t], dst, at, len);
        }
    }

    /** dst[at + q] += v * src[from + q]. */
    static void accumulateScaledPlain(float[] src, int from, float v, float[] dst, int at, int len) {
        for (int q = 0; q < len; q++) {
            dst[at + q] += v * src[from + q];
        }
    }

    /** sums[q % FOLD] += a[aFrom + q] * b[bFrom + q], in q order. */
    static void foldProductsPlain(float[] a, int aFrom, float[] b, int bFrom, float[] sums, int len) {
        for (int q = 0; q < len; q++) {
            sums[q % FOLD] += a[aFrom + q] * b[bFrom + q];
        }
    }

    /** sums[q % FOLD] += a[aFrom + q], in q order. */
    static void foldSumPlain(float[] a, int aFrom, float[] sums, int len) {
        for (int q = 0; q < len; q++) {
            sums[q % FOLD] += a[aFrom + q];
        }
    }
}
