package dev.stride.ops;

/**
 * The pooling oracle: plain nested loops over every window position of the padded input, written
 * straight from the definitions with no clipping arithmetic, for the fast kernels to agree with.
 * Arrays are NCHW, row-major.
 */
public final class NaivePooling {
    private NaivePooling() {
    }

    /** Max pooling forward; argmax receives the flat input index of each output's first maximum. */
    public static float[] max(float[] x, int n, int c, int h, int w, int kH, int kW, int stride, int pad, int[] argmax) {
        int outH = (h - kH + 2 * pad) / stride + 1;
        int outW = (w - kW + 2 * pad) / stride + 1;
        float[] y = new float[n * c * outH * outW];
        int o = 0;
        for (int b = 0; b < n; b++) {
            for (int ch = 0; ch < c; ch++) {
                for (int oh = 0; oh < outH; oh++) {
                    for (int ow = 0; ow < outW; ow++) {
                        float best = Float.NEGATIVE_INFINITY;
                        int at = -1;
                        for (int i = 0; i < kH; i++) {
                            for (int j = 0; j < kW; j++) {
                                int ih = oh * stride - pad + i;
                                int iw = ow * stride - pad + j;
                                if (ih < 0 || ih >= h || iw < 0 || iw >= w) {
                                    continue; // padding is -infinity
                                }
                                int idx = ((b * c + ch) * h + ih) * w + iw;
                                if (at < 0 || x[idx] > best) {
                                    best = x[idx];
                                    at = idx;
                                }
                            }
                        }
                        y[o] = best;
                        argmax[o] = at;
                        o++;
                    }
                }
            }
        }
        return y;
    }

    /** Max pooling backward from the argmax that {@link #max} filled. */
    public static float[] maxBackward(float[] dy, int[] argmax, int inputSize) {
        float[] dx = new float[inputSize];
        for (int o = 0; o < dy.length; o++) {
            dx[argmax[o]] += dy[o];
        }
        return dx;
    }

    /**
     * Average pooling forward (dy == null) or backward (dy given: returns dx), padded zeros counted
     * in the divisor.
     */
    public static float[] avg(float[] x, float[] dy, int n, int c, int h, int w, int kH, int kW, int stride, int pad) {
        int outH = (h - kH + 2 * pad) / stride + 1;
        int outW = (w - kW + 2 * pad) / stride + 1;
        float[] result = dy == null ? new float[n * c * outH * outW] : new float[x.length];
        int o = 0;
        for (int b = 0; b < n; b++) {
            for (int ch = 0; ch < c; ch++) {
                for (int oh = 0; oh < outH; oh++) {
                    for (int ow = 0; ow < outW; ow++) {
                        double sum = 0;
                        for (int i = 0; i < kH; i++) {
                            for (int j = 0; j < kW; j++) {
                                int ih = oh * stride - pad + i;
                                int iw = ow * stride - pad + j;
                                if (ih < 0 || ih >= h || iw < 0 || iw >= w) {
                                    continue; // a padded zero: adds nothing, still counted below
                                }
                                int idx = ((b * c + ch) * h + ih) * w + iw;
                                if (dy == null) {
                                    sum += x[idx];
                                } else {
                                    result[idx] += dy[o] / (kH * kW);
                                }
                            }
                        }
                        if (dy == null) {
                            result[o] = (float) (sum / (kH * kW));
                        }
                        o++;
                    }
                }
            }
        }
        return result;
    }
}
