package dev.stride.nn;

import dev.stride.blas.Gemm;
import dev.stride.ops.VectorSupport;
import dev.stride.ops.Winograd;
import dev.stride.tensor.Shape;

import java.lang.foreign.Arena;

/**
 * Picks the lowering of each convolution when a model is built: Winograd's F(2x2, 3x3) for 3x3
 * stride-1 layers with at least {@link #winogradMinChannels} input and output channels and at least
 * {@link #winogradMinTiles} output tiles in each thread's part of the batch, where it measured
 * faster; one GEMM per kernel column over whole input rows ({@link ShiftConv}) for other
 * stride-1 layers without padding, when the GEMM's thin calls are cheap (OpenBLAS's AVX-512
 * kernels); im2col for every other layer. Grouped layers take neither: a depthwise layer (groups
 * = C) runs direct loops over each channel's plane ({@link DepthwiseConv}), any other grouped layer
 * im2col and one GEMM per group ({@link GroupedConv}). The one place that choice is made; tests and
 * benchmarks pick a lowering by changing the policy.
 *
 * @param winogradMinChannels fewest input and output channels for Winograd; MAX_VALUE never, 1 wherever it applies
 * @param winogradMinTiles    fewest 2x2 output tiles a part must hold for Winograd (1: any)
 * @param shift               whether valid stride-1 layers take the row-shift path
 * @param minColumns          fewest GEMM columns an im2col group aims for (1: one GEMM per sample)
 * @param keepColumnsFloats   most floats of im2col columns, shifted rows or Winograd input transforms a
 *                            layer keeps from forward for backward (0: always recompute)
 * @param directDepthwise     whether depthwise layers take the direct loops (false: one GEMM per group,
 *                            as other grouped layers)
 */
public record ConvPolicy(int winogradMinChannels, int winogradMinTiles, Shift shift, int minColumns,
                         long keepColumnsFloats, boolean directDepthwise) {

    /**
     * Fewest input and output channels for which a 3x3 stride-1 layer uses Winograd by default: from
     * 16 up it measured ahead (ResNet-20's layers), with 3 input channels the 16 GEMMs are three deep
     * and im2col stays ahead (docs/design-measurements.md).
     */
    public static final int WINOGRAD_MIN_CHANNELS = 16;

    /**
     * Fewest output tiles per part for Winograd by default. Below it the filter transform, redone each
     * forward, and GEMMs a few tiles wide cost more than the multiplications saved: ResNet-18's 7x7
     * and 14x14 layers at batch 1 (16 and 49 tiles) ran 3.2x and 1.15x slower than im2col, its
     * 28x28 layer (196 tiles) 1.4x faster (docs/design-measurements.md).
     */
    public static final int WINOGRAD_MIN_TILES = 96;

    /** {@code -Dstride.winograd=false} keeps every layer off Winograd, for the benchmark scripts' comparisons. */
    public static final String WINOGRAD_PROPERTY = "stride.winograd";

    /** {@code -Dstride.shiftconv=false} keeps valid stride-1 layers on im2col, for the same. */
    public static final String SHIFT_PROPERTY = "stride.shiftconv";

    /** The ways a convolution is lowered. */
    public enum Lowering {
        /** im2col, then one GEMM per group of samples. */
        IM2COL,
        /** One GEMM per kernel column over whole input rows ({@link ShiftConv}). */
        SHIFT,
        /** Winograd's F(2x2, 3x3). */
        WINOGRAD,
        /** im2col and one GEMM per channel group ({@link GroupedConv}). */
        GROUPED,
        /** Direct loops over each channel's plane ({@link DepthwiseConv}). */
        DEPTHWISE
    }

    /** When the row-shift path runs. */
    public enum Shift {
        /** Where it suits the geometry and the GEMM's thin calls are cheap. */
        AUTO,
        /** Wherever it suits the geometry, whatever the backend. */
        ALWAYS,
        /** Nowhere: such layers stay on im2col. */
        NEVER
    }

    /**
     * Checks the values.
     *
     * @throws IllegalArgumentException when a minimum is below 1, the floats negative or {@code shift} null
     */
    public ConvPolicy {
        if (winogradMinChannels < 1 || winogradMinTiles < 1 || minColumns < 1 || keepColumnsFloats < 0 || shift == null) {
            throw new IllegalArgumentException("invalid ConvPolicy: winogradMinChannels " + winogradMinChannels
                    + ", winogradMinTiles " + winogradMinTiles + ", minColumns " + minColumns + " (all at least 1), keepColumnsFloats "
                    + keepColumnsFloats + ", shift " + shift);
        }
    }

    /**
     * Winograd wherever the channels suffice, however few the tiles.
     *
     * @param winogradMinChannels fewest input and output channels for Winograd
     * @param shift when the row-shift path runs
     * @param minColumns fewest GEMM columns an im2col group aims for
     * @param keepColumnsFloats most floats a layer keeps from forward for backward
     * @param directDepthwise whether depthwise layers take the direct loops
     */
    public ConvPolicy(int winogradMinChannels, Shift shift, int minColumns, long keepColumnsFloats, boolean directDepthwise) {
        this(winogradMinChannels, 1, shift, minColumns, keepColumnsFloats, directDepthwise);
    }

    /**
     * Depthwise layers on the direct loops, Winograd wherever the channels suffice.
     *
     * @param winogradMinChannels fewest input and output channels for Winograd
     * @param shift when the row-shift path runs
     * @param minColumns fewest GEMM columns an im2col group aims for
     * @param keepColumnsFloats most floats a layer keeps from forward for backward
     */
    public ConvPolicy(int winogradMinChannels, Shift shift, int minColumns, long keepColumnsFloats) {
        this(winogradMinChannels, shift, minColumns, keepColumnsFloats, true);
    }

    /**
     * The measured defaults, with the two switches of the benchmark scripts read from system properties.
     *
     * @return the policy
     */
    public static ConvPolicy defaults() {
        boolean winograd = Boolean.parseBoolean(System.getProperty(WINOGRAD_PROPERTY, "true"));
        boolean shift = Boolean.parseBoolean(System.getProperty(SHIFT_PROPERTY, "true"));
        return new ConvPolicy(winograd ? WINOGRAD_MIN_CHANNELS : Integer.MAX_VALUE, WINOGRAD_MIN_TILES,
                shift ? Shift.AUTO : Shift.NEVER, Im2colConv.MIN_COLUMNS, Im2colConv.KEEP_COLUMNS_FLOATS, true);
    }

    /**
     * im2col for every layer of one group (grouped layers keep their own lowerings).
     *
     * @return the policy
     */
    public static ConvPolicy im2colOnly() {
        return new ConvPolicy(Integer.MAX_VALUE, Shift.NEVER, Im2colConv.MIN_COLUMNS, Im2colConv.KEEP_COLUMNS_FLOATS);
    }

    /**
     * This policy with another Winograd threshold.
     *
     * @param channels fewest input and output channels; {@code Integer.MAX_VALUE} for never
     * @return a new policy
     */
    public ConvPolicy withWinogradMinChannels(int channels) {
        return new ConvPolicy(channels, winogradMinTiles, shift, minColumns, keepColumnsFloats, directDepthwise);
    }

    /**
     * This policy with another Winograd tile threshold.
     *
     * @param tiles fewest output tiles a part must hold; 1 for any
     * @return a new policy
     */
    public ConvPolicy withWinogradMinTiles(int tiles) {
        return new ConvPolicy(winogradMinChannels, tiles, shift, minColumns, keepColumnsFloats, directDepthwise);
    }

    /**
     * This policy with another row-shift rule.
     *
     * @param shift when the row-shift path runs
     * @return a new policy
     */
    public ConvPolicy withShift(Shift shift) {
        return new ConvPolicy(winogradMinChannels, winogradMinTiles, shift, minColumns, keepColumnsFloats, directDepthwise);
    }

    /**
     * This policy with another im2col group size.
     *
     * @param columns fewest GEMM columns a group aims for
     * @return a new policy
     */
    public ConvPolicy withMinColumns(int columns) {
        return new ConvPolicy(winogradMinChannels, winogradMinTiles, shift, columns, keepColumnsFloats, directDepthwise);
    }

    /**
     * This policy with another limit on what forward keeps for backward.
     *
     * @param floats the most floats, 0 to always recompute
     * @return a new policy
     */
    public ConvPolicy withKeepColumnsFloats(long floats) {
        return new ConvPolicy(winogradMinChannels, winogradMinTiles, shift, minColumns, floats, directDepthwise);
    }

    /**
     * This policy with depthwise layers on the direct loops or on GEMMs.
     *
     * @param direct true for the direct loops
     * @return a new policy
     */
    public ConvPolicy withDirectDepthwise(boolean direct) {
        return new ConvPolicy(winogradMinChannels, winogradMinTiles, shift, minColumns, keepColumnsFloats, direct);
    }

    /**
     * The lowering this policy gives a layer of {@code spec} on {@code gemm} when each part holds
     * enough tiles for Winograd (a large batch).
     *
     * @param spec the layer's hyperparameters
     * @param gemm the backend it runs on
     * @return the lowering
     */
    public Lowering choose(Conv2dSpec spec, Gemm gemm) {
        return choose(spec, Integer.MAX_VALUE, gemm);
    }

    /**
     * The lowering this policy gives a layer of {@code spec} on input {@code in}, split into
     * {@code parts} parts of the batch, on {@code gemm}.
     *
     * @param spec the layer's hyperparameters
     * @param in the input shape [N, C, H, W]
     * @param parts the parts the batch is split into
     * @param gemm the backend it runs on
     * @return the lowering
     */
    public Lowering choose(Conv2dSpec spec, Shape in, int parts, Gemm gemm) {
        long tiles = Math.ceilDiv(in.dim(0), parts) * Winograd.outputTiles(in.dim(2), in.dim(3), spec.padding());
        return choose(spec, tiles, gemm);
    }

    private Lowering choose(Conv2dSpec spec, long tilesPerPart, Gemm gemm) {
        if (spec.groups() > 1) {
            return spec.depthwise() && directDepthwise ? Lowering.DEPTHWISE : Lowering.GROUPED;
        }
        if (WinogradConv.suits(spec, winogradMinChannels) && tilesPerPart >= winogradMinTiles) {
            return Lowering.WINOGRAD;
        }
        boolean shiftSuits = ShiftConv.suits(spec) && switch (shift) {
            case AUTO -> gemm.thinCallsCheap();
            case ALWAYS -> true;
            case NEVER -> false;
        };
        return shiftSuits ? Lowering.SHIFT : Lowering.IM2COL;
    }

    /**
     * The lowering for a layer of {@code spec} on input {@code in} (output {@code out}), run in
     * {@code parts} parts; an inference build allocates nothing backward would need.
     */
    ConvLowering lowering(Conv2dSpec spec, Shape in, Shape out, Gemm gemm, Arena arena, int parts, boolean training) {
        long keep = training ? keepColumnsFloats : 0;
        return switch (choose(spec, in, parts, gemm)) {
            case WINOGRAD -> new WinogradConv(spec, in, gemm, arena, parts, Math.ceilDiv(in.dim(0), parts),
                    Math.min(keep, WinogradConv.KEEP_V_FLOATS), training);
            case SHIFT -> new ShiftConv(spec, in, out, gemm, arena, parts, keep, training, VectorSupport.enabled());
            case IM2COL -> new Im2colConv(spec, in, out, gemm, arena, parts, minColumns, keep, training);
            case GROUPED -> new GroupedConv(spec, in, out, gemm, parts);
            case DEPTHWISE -> new DepthwiseConv(spec, in, out, parts, training, VectorSupport.enabled());
        };
    }
}
