package dev.stride.testing;

/**
 * The oracle for convolution: plain nested loops straight from the definition (cross-correlation
 * with zero padding), in double, over flat NCHW arrays. Slow and obviously right. With groups, filter
 * f belongs to group f / (K/groups) and sees only that group's C/groups input channels; the weights
 * are [K, C/groups, kH, kW].
 */
public final class DirectConv {
    private final int n, c, h, w, k, kH, kW, stride, pad, outH, outW, groups;

    public DirectConv(int n, int c, int h, int w, int k, int kH, int kW, int stride, int pad, int outH, int outW) {
        this(n, c, h, w, k, kH, kW, stride, pad, outH, outW, 1);
    }

    public DirectConv(int n, int c, int h, int w, int k, int kH, int kW, int stride, int pad, int outH, int outW, int groups) {
        if (c % groups != 0 || k % groups != 0) {
            throw new IllegalArgumentException("groups " + groups + " must divide " + c + " and " + k);
        }
        this.groups = groups;
        this.n = n;
        this.c = c;
        this.h = h;
        this.w = w;
        this.k = k;
        this.kH = kH;
        this.kW = kW;
        this.stride = stride;
        this.pad = pad;
        this.outH = outH;
        this.outW = outW;
    }

    /** y[n][f][oh][ow] = b[f] + sum over (ch, i, j) of x[n][ch][oh*S - P + i][ow*S - P + j] * wt[f][ch][i][j]. */
    public float[] forward(float[] x, float[] wt, float[] b) {
        double[] y = new double[n * k * outH * outW];
        for (int i = 0; b != null && i < y.length; i++) {
            y[i] = b[(i / (outH * outW)) % k];
        }
        forEachTap((s, f, oh, ow, ch, i, j, ih, iw) -> y[yi(s, f, oh, ow)] += (double) x[xi(s, ch, ih, iw)] * wt[wi(f, ch, i, j)]);
        return toFloat(y);
    }

    /** dx[n][ch][ih][iw] = sum over every output that read it of dy * the weight it was multiplied by. */
    public float[] inputGrad(float[] dy, float[] wt) {
        double[] dx = new double[n * c * h * w];
        forEachTap((s, f, oh, ow, ch, i, j, ih, iw) -> dx[xi(s, ch, ih, iw)] += (double) dy[yi(s, f, oh, ow)] * wt[wi(f, ch, i, j)]);
        return toFloat(dx);
    }

    /** dW[f][ch][i][j] = sum over the batch and output positions of dy * the input it multiplied (ch within f's group). */
    public float[] weightGrad(float[] dy, float[] x) {
        double[] dw = new double[k * (c / groups) * kH * kW];
        forEachTap((s, f, oh, ow, ch, i, j, ih, iw) -> dw[wi(f, ch, i, j)] += (double) dy[yi(s, f, oh, ow)] * x[xi(s, ch, ih, iw)]);
        return toFloat(dw);
    }

    /** dB[f] = sum of dy over the batch and output positions of filter f. */
    public float[] biasGrad(float[] dy) {
        double[] db = new double[k];
        for (int s = 0; s < n; s++) {
            for (int f = 0; f < k; f++) {
                for (int p = 0; p < outH * outW; p++) {
                    db[f] += dy[(s * k + f) * outH * outW + p];
                }
            }
        }
        return toFloat(db);
    }

    private interface Tap {
        void at(int s, int f, int oh, int ow, int ch, int i, int j, int ih, int iw);
    }

    /** Visits every (output, weight, input) triple that the forward multiplies, skipping the padding. */
    private void forEachTap(Tap tap) {
        int groupIn = c / groups;
        int groupOut = k / groups;
        for (int s = 0; s < n; s++) {
            for (int f = 0; f < k; f++) {
                int firstChannel = f / groupOut * groupIn;
                for (int oh = 0; oh < outH; oh++) {
                    for (int ow = 0; ow < outW; ow++) {
                        for (int ch = firstChannel; ch < firstChannel + groupIn; ch++) {
                            for (int i = 0; i < kH; i++) {
                                for (int j = 0; j < kW; j++) {
                                    int ih = oh * stride - pad + i;
                                    int iw = ow * stride - pad + j;
                                    if (ih >= 0 && ih < h && iw >= 0 && iw < w) {
                                        tap.at(s, f, oh, ow, ch, i, j, ih, iw);
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    private int xi(int s, int ch, int ih, int iw) {
        return ((s * c + ch) * h + ih) * w + iw;
    }

    /** ch is the input channel; its place in the filter is its index within the group. */
    private int wi(int f, int ch, int i, int j) {
        int groupIn = c / groups;
        return ((f * groupIn + ch % groupIn) * kH + i) * kW + j;
    }

    private int yi(int s, int f, int oh, int ow) {
        return ((s * k + f) * outH + oh) * outW + ow;
    }

    private static float[] toFloat(double[] d) {
        float[] f = new float[d.length];
        for (int i = 0; i < d.length; i++) {
            f[i] = (float) d[i];
        }
        return f;
    }
}
