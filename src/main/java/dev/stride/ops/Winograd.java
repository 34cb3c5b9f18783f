package dev.stride.ops;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

import static dev.stride.tensor.Tensor.FLOAT;

/**
 * Winograd's minimal filtering F(2x2, 3x3) for 3x3 convolutions at stride 1 (Lavin and Gray, "Fast
 * Algorithms for Convolutional Neural Networks", 2015): each 2x2 block of output comes from a 4x4
 * input tile with 16 multiplications per channel pair instead of 36, so the GEMM work of a layer
 * falls to 16/36 of im2col's.
 *
 * <p>With U = G g G^T for each filter g and V = B^T d B for each input tile d, the 16 elements
 * (xi = 4i + j) of the transformed domain are independent: M[xi] = U[xi] V[xi] is one GEMM of
 * (K x C) by (C x tiles) per xi, and each output block is A^T m A of its 16 products
 * ({@link WinogradOutput#transform}). Layouts, all row-major in floats: U is [16][K][C], V is
 * [16][C][tiles], M is [16][K][tiles], where the tiles of a run of samples are sample-major, then
 * tile row, then tile column.
 *
 * <p>An instance holds one direction's geometry: input (C, H, W) padded by {@code pad} on every side,
 * output (K, H + 2 pad - 2, W + 2 pad - 2). The input gradient of such a layer is again one of these,
 * over dY with pad {@code 2 - pad} and the filters rotated and transposed, whose transform is U's
 * ({@link WinogradFilters#rotatedElement}); so padding up to 2 is supported. U itself comes from
 * {@link WinogradFilters#transform}.
 *
 * <p>The transforms run on heap copies of whole planes, in loops over every column or tile that C2
 * vectorises; only the stride-2 picks into and out of the tile layout are scalar. Where
 * {@link VectorSupport#enabled} the loops that C2 would leave scalar without extra copies run on the
 * Vector API instead ({@link VectorLoops}), with the same results to the bit.
 */
public final class Winograd {
    /** Elements of the transformed 4x4 tile. */
    public static final int ELEMENTS = 16;
    /**
     * Fewest tiles a row for which the default constructor takes the Vector API loops: with fewer,
     * most of each vector is idle and the plain loops were as fast or faster
     * (docs/design-measurements.md).
     */
    static final int MIN_VECTOR_TILE_COLUMNS = 8;

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);
    /** Floats of slots per element that one pass of {@link #transformInput} makes (64 KB per array). */
    private static final int CHUNK_FLOATS = 1 << 14;

    private final int channels;
    private final int height;
    private final int width;
    private final int pad;
    private final int outH;
    private final int outW;
    private final int tilesH;
    private final int tilesW;
    private final boolean compact; // V and M leave out the unused slots (see tilesPerSample)
    private final int tileRow;     // slots a tile row takes in V and M: tilesW, or tilesW + 1 with the unused one
    private final int[] tileSlots; // where compact: for each tile of a run of quarter planes, its slot
    private final boolean vector;  // the transforms' loops on the Vector API (VectorLoops)
    private final boolean pairsOnVectors; // the parity split too (VectorPairs, AVX-512 only)

    /**
     * The geometry, with the transforms on the Vector API where {@link VectorSupport#enabled} and a
     * tile row has at least {@link #MIN_VECTOR_TILE_COLUMNS} tiles.
     */
    public Winograd(int channels, int height, int width, int pad) {
        this(channels, height, width, pad, VectorSupport.enabled() && tiles(width, pad) >= MIN_VECTOR_TILE_COLUMNS);
    }

    /** For tests and comparisons: {@code vector} picks the Vector API loops, which need {@link VectorSupport#present}. */
    public Winograd(int channels, int height, int width, int pad, boolean vector) {
        if (vector) {
            VectorSupport.requirePresent("winograd");
        }
        this.vector = vector;
        this.pairsOnVectors = vector && VectorPairs.inHardware();
        if (channels < 1 || pad < 0 || pad > 2 || height + 2 * pad < 3 || width + 2 * pad < 3) {
            throw new IllegalArgumentException("winograd: a 3x3 filter at stride 1 with padding " + pad
                    + " does not fit a " + channels + "x" + height + "x" + width + " input (padding must be 0..2)");
        }
        this.channels = channels;
        this.height = height;
        this.width = width;
        this.pad = pad;
        this.outH = height + 2 * pad - 2;
        this.outW = width + 2 * pad - 2;
        this.tilesH = (outH + 1) / 2;
        this.tilesW = (outW + 1) / 2;
        int tiles = tilesH * tilesW;
        this.compact = (slotsPerSample() - tiles) * 5 >= tiles;
        this.tileRow = compact ? tilesW : tilesW + 1;
        int mapBlocks = Math.max(1, CHUNK_FLOATS / slotsPerSample()); // the blocks of a full chunk
        this.tileSlots = new int[compact ? mapBlocks * tiles : 0];
        for (int t = 0; t < tileSlots.length; t++) {
            int inBlock = t % tiles;
            tileSlots[t] = t / tiles * slotsPerSample() + inBlock / tilesW * (tilesW + 1) + inBlock % tilesW;
        }
    }

    /** True when the transforms of this geometry run on the Vector API ({@link VectorLoops}). */
    boolean vector() {
        return vector;
    }

    /** True when stride-2 picks of this geometry's planes also run on the Vector API ({@link VectorPairs}). */
    boolean pairsOnVectors() {
        return pairsOnVectors;
    }

    /** Tiles along a side of {@code size} input positions: (out + 1) / 2 for out = size + 2 pad - 2. */
    private static int tiles(int size, int pad) {
        return (size + 2 * pad - 1) / 2;
    }

    /**
     * The 2x2 output tiles of one sample's plane of {@code height} x {@code width} at padding
     * {@code pad}, unused slots left out: how much work a layer has for the transforms to pay.
     */
    public static long outputTiles(int height, int width, int pad) {
        return (long) tiles(height, pad) * tiles(width, pad);
    }

    /** True for the geometries this class computes: a 3x3 kernel, stride 1, padding 0..2. */
    public static boolean supports(int kernelH, int kernelW, int stride, int padding) {
        return kernelH == 3 && kernelW == 3 && stride == 1 && padding >= 0 && padding <= 2;
    }

    /**
     * Tile columns per sample in V and M. The transforms work in slots, (tile rows + 1) times (tile
     * columns + 1) a sample, whose last column and row are never used ({@link #transformInput}).
     * Where those unused slots are at least a fifth of the tiles (planes of 16x16 and smaller) V
     * leaves them out, and this is tile rows times tile columns; else it is the slots. Leaving them
     * out shortens the 16 GEMMs but costs a gather through an index map instead of a bulk copy, which
     * pays only on small planes (docs/design-measurements.md).
     */
    public int tilesPerSample() {
        return compact ? tilesH * tilesW : slotsPerSample();
    }

    /** Slots per sample of the parity quarters that {@link #transformInput} works in. */
    int slotsPerSample() {
        return (tilesH + 1) * (tilesW + 1);
    }

    /** How far apart in V and M two tile rows of a sample are: tile (th, tw) is at th * tileRow() + tw. */
    int tileRow() {
        return tileRow;
    }

    public int outH() {
        return outH;
    }

    int tilesH() {
        return tilesH;
    }

    int tilesW() {
        return tilesW;
    }

    public int outW() {
        return outW;
    }

    public long inputSampleSize() {
        return (long) channels * height * width;
    }

    /**
     * V = B^T d B for every tile of {@code samples} NCHW samples at {@code xOffset}, into
     * [16][C][samples * tilesPerSample()] at {@code vOffset}. Positions in the padding, and past
     * the input where the last tile overhangs an odd-sized output, read as zero.
     *
     * <p>How: tile (th, tw) reads padded rows 2th..2th+3 and columns 2tw..2tw+3. Each padded plane
     * is split into four quarters by row and column parity, (tilesH + 1) x (tilesW + 1) each; then
     * a tile's rows 2th, 2th+1, 2th+2, 2th+3 are quarter rows th, th, th+1, th+1, and its columns
     * likewise, so both 1-D transforms become flat loops over slot j reading j, j + 1 and j + L.
     * Stride-2 reads of every tile's four columns were much slower (docs/design-measurements.md).
     * The unused slots of the last column and row go to V, or are left out where
     * {@link #tilesPerSample} says.
     */
    public void transformInput(MemorySegment x, long xOffset, int samples, MemorySegment v, long vOffset) {
        transformInput(x, xOffset, samples, 0, channels, v, vOffset);
    }

    /**
     * {@link #transformInput(MemorySegment, long, int, MemorySegment, long)} for input channels
     * [c0, c1) only: their rows of V, so that several threads can fill one V between them.
     */
    public void transformInput(MemorySegment x, long xOffset, int samples, int c0, int c1, MemorySegment v, long vOffset) {
        if (c0 < 0 || c1 > channels || c0 > c1) {
            throw new IllegalArgumentException("winograd: channels [" + c0 + ", " + c1 + ") of " + channels);
        }
        int plane = height * width;
        int row = tilesW + 1;                   // L: a quarter's row length, and slots per tile row
        int quarter = slotsPerSample();         // a quarter plane: as many floats as a sample has slots
        int tiles = tilesPerSample();
        int ld = samples * quarter;
        int ldV = samples * tiles;
        // Channels per pass: enough planes that the loops run long, few enough that they stay in cache.
        int chunk = Math.max(1, Math.min(channels, CHUNK_FLOATS / ld));
        int span = chunk * ld;
        Scratch s = SCRATCH.get().ensure(chunk * plane, span + row, span + 1, vector ? 0 : span + 1);
        float[] in = s.in;
        float[][] q = s.quarters;               // [row parity * 2 + column parity][(channel, sample) block][quarter row * L + column]
        float[][] a = s.rows;                   // B^T d for even columns (a[0..3]) and odd ones (a[4..7])
        float[][] h = s.elements;               // B^T d B: one array per element (plain loops only)
        if (s.quartersFor != this || s.quartersZeroed < span + row) {
            for (float[] part : q) {
                Arrays.fill(part, 0, span + row, 0f); // the padding; the interior is overwritten for every plane
            }
            s.quartersFor = this;
            s.quartersZeroed = span + row;
        }
        for (int first = c0; first < c1; first += chunk) {
            int chunkChannels = Math.min(chunk, c1 - first);
            int planes = chunkChannels * samples;
            for (int n = 0; n < samples; n++) {
                if (pairsOnVectors) { // split straight from the tensor, no copy first
                    for (int ci = 0; ci < chunkChannels; ci++) {
                        splitIntoQuarters(x, xOffset + ((long) n * channels + first + ci) * plane, q, (ci * samples + n) * quarter, row);
                    }
                    continue;
                }
                // The chunk's channels of one sample are contiguous: one copy (per plane, a copy of
                // 64 floats at 8x8 cost more than its split).
                MemorySegment.copy(x, FLOAT, (xOffset + ((long) n * channels + first) * plane) * Float.BYTES, in, 0,
                        chunkChannels * plane);
                for (int ci = 0; ci < chunkChannels; ci++) {
                    splitIntoQuarters(in, ci * plane, q, (ci * samples + n) * quarter, row);
                }
            }
            int len = planes * quarter;
            for (int par = 0; par < 2; par++) { // B^T d over the rows (the next tile row is L on), for even then odd columns
                applyBt(q[par], q[2 + par], row, len, s.shifted, a[4 * par], a[4 * par + 1], a[4 * par + 2], a[4 * par + 3]);
            }
            if (vector) { // (.) B over the columns, straight into V
                long elementStride = (long) channels * ldV;
                for (int i = 0; i < 4; i++) {
                    long at = vOffset + ((long) 4 * i * channels + first) * ldV;
                    if (compact) {
                        VectorLoops.btTilesInto(a[i], a[4 + i], planes, quarter, tilesH, tilesW, row, v, at, elementStride);
                    } else {
                        VectorLoops.btInto(a[i], a[4 + i], 1, len, v, at, elementStride);
                    }
                }
                continue;
            }
            // (.) B over the columns (the next tile column is 1 on), into one array per element with
            // the plain index j: C2 vectorises a loop only when its stores carry no offset (a store
            // to out[base + j] ran at scalar speed).
            for (int i = 0; i < 4; i++) {
                applyBt(a[i], a[4 + i], 1, len, s.shifted, h[4 * i], h[4 * i + 1], h[4 * i + 2], h[4 * i + 3]);
            }
            for (int e = 0; e < ELEMENTS; e++) {
                long at = vOffset + ((long) e * channels + first) * ldV;
                if (compact) {
                    gatherTiles(h[e], planes, v, at);
                } else {
                    MemorySegment.copy(h[e], 0, v, FLOAT, at * Float.BYTES, len);
                }
            }
        }
    }

    /**
     * Copies the tiles of {@code blocks} quarter planes of slots, leaving out the unused slots, to
     * {@code v} at {@code at}. One flat loop over {@link #tileSlots}' blocks at a time, because a
     * loop per block runs too few times on small planes to be fast (docs/design-measurements.md).
     */
    private void gatherTiles(float[] slots, int blocks, MemorySegment v, long at) {
        int[] map = tileSlots;
        int tiles = tilesPerSample();
        int mapBlocks = map.length / tiles;
        int quarter = slotsPerSample();
        for (int b0 = 0; b0 < blocks; b0 += mapBlocks) {
            int n = Math.min(mapBlocks, blocks - b0) * tiles;
            int from = b0 * quarter;
            long to = at + (long) b0 * tiles;
            for (int t = 0; t < n; t++) {
                v.setAtIndex(FLOAT, to + t, slots[from + map[t]]);
            }
        }
    }

    /**
     * The 1-D transform B^T [d0, d1, d2, d3] = [d0 - d2, d1 + d2, d2 - d1, d1 - d3] for every slot j,
     * where d0 and d2 are {@code even[j]} and {@code even[j + step]}, d1 and d3 {@code odd[j]} and
     * {@code odd[j + step]}: a tile's four rows (step L) or four columns (step 1) in the quarters.
     *
     * <p>The reads at {@code j + step} come from copies shifted by {@code step} into
     * {@code shifted[0]} and {@code shifted[1]}, so that every access of the loop is at {@code j}:
     * C2 (JDK 25) cannot rule out that a store to {@code o0[j]} feeds a later read of
     * {@code even[j + step]}, and runs such a loop scalar; the two copies cost less than that
     * (docs/design-measurements.md). The Vector API reads at the offset directly
     * ({@link VectorLoops#bt}), when this geometry uses it.
     */
    private void applyBt(float[] even, float[] odd, int step, int len, float[][] shifted, float[] o0,
                         float[] o1, float[] o2, float[] o3) {
        if (vector) {
            VectorLoops.bt(even, odd, step, len, o0, o1, o2, o3);
            return;
        }
        float[] even2 = shifted[0];
        float[] odd2 = shifted[1];
        System.arraycopy(even, step, even2, 0, len);
        System.arraycopy(odd, step, odd2, 0, len);
        for (int j = 0; j < len; j++) {
            float d0 = even[j];
            float d1 = odd[j];
            float d2 = even2[j];
            float d3 = odd2[j];
            o0[j] = d0 - d2;
            o1[j] = d1 + d2;
            o2[j] = d2 - d1;
            o3[j] = d1 - d3;
        }
    }

    /**
     * Copies the (H, W) plane at {@code from} in {@code in} into the four parity quarters of its
     * padded plane at {@code base}: input (r, col) sits at padded (r + pad, col + pad). Positions
     * never written stay zero. Input columns 2k and 2k + 1 go to the two column parities, so one
     * loop over the pairs of a row fills both (faster than one loop per parity).
     */
    private void splitIntoQuarters(float[] in, int from, float[][] q, int base, int row) {
        int pairs = width / 2;
        int parityA = pad & 1;          // column parity of padded column 2k + pad, quarter column k + offA
        int offA = pad >> 1;
        int offB = (pad + 1) >> 1;      // padded column 2k + 1 + pad: the other parity, quarter column k + offB
        for (int r = 0; r < height; r++) {
            int pr = r + pad;
            int at = base + (pr >> 1) * row;
            float[] a = q[(pr & 1) * 2 + parityA];
            float[] b = q[(pr & 1) * 2 + 1 - parityA];
            int src = from + r * width;
            for (int k = 0; k < pairs; k++) {
                a[at + offA + k] = in[src + 2 * k];
                b[at + offB + k] = in[src + 2 * k + 1];
            }
            if ((width & 1) != 0) {
                a[at + offA + pairs] = in[src + 2 * pairs];
            }
        }
    }

    /**
     * {@link #splitIntoQuarters(float[], int, float[][], int, int)} reading the plane from the tensor
     * at {@code from} (in floats), each row split on the Vector API ({@link VectorPairs#split}).
     */
    private void splitIntoQuarters(MemorySegment x, long from, float[][] q, int base, int row) {
        int parityA = pad & 1;
        int offA = pad >> 1;
        int offB = (pad + 1) >> 1;
        for (int r = 0; r < height; r++) {
            int pr = r + pad;
            int at = base + (pr >> 1) * row;
            VectorPairs.split(x, from + (long) r * width, width, q[(pr & 1) * 2 + parityA], at + offA,
                    q[(pr & 1) * 2 + 1 - parityA], at + offB);
        }
    }

    /** One thread's heap arrays, grown to the largest geometry seen and then reused. */
    private static final class Scratch {
        float[] in = new float[0];
        final float[][] quarters = new float[4][0];
        final float[][] rows = new float[8][0];
        final float[][] elements = new float[ELEMENTS][0];
        final float[][] shifted = new float[2][0];
        Winograd quartersFor;   // the geometry whose padding the quarters hold as zeros, or null
        int quartersZeroed;     // how many floats of each quarter hold quartersFor's zeros and planes

        /** in: a plane; quarters: one quarter plane each; rows: rowLength each; what only the plain loops use, plainLength. */
        Scratch ensure(int plane, int quarter, int rowLength, int plainLength) {
            if (in.length < plane) {
                in = new float[plane];
            }
            for (int i = 0; i < 4; i++) {
                if (quarters[i].length < quarter) {
                    quarters[i] = new float[quarter];
                    quartersFor = null;
                }
            }
            for (int i = 0; i < 8; i++) {
                if (rows[i].length < rowLength + VectorSupport.SLACK_FLOATS) {
                    rows[i] = new float[rowLength + VectorSupport.SLACK_FLOATS]; // read with masks (VectorLoops.btTilesInto)
                }
            }
            for (int i = 0; i < ELEMENTS; i++) {
                if (elements[i].length < plainLength) {
                    elements[i] = new float[plainLength];
                }
            }
            for (int i = 0; i < 2; i++) {
                if (shifted[i].length < plainLength) {
                    shifted[i] = new float[plainLength];
                }
            }
            return this;
        }
    }
}
