package dev.stride.ops;

/**
 * The geometry of one pooling plane: input size, window, stride, padding and the output size that
 * {@link OutputSize} worked out. The number of planes (batch times channels) is passed to the
 * kernels separately so a smaller batch needs no new geometry.
 */
public record PoolGeometry(int height, int width, int kernelH, int kernelW, int stride, int pad, int outH, int outW) {

    public int inPlane() {
        return height * width;
    }

    public int outPlane() {
        return outH * outW;
    }

    /**
     * The common 2x2 window at stride 2 without padding, which the kernels take a faster path for:
     * every window lies inside (not so for an odd size rounded up), none overlap.
     */
    public boolean isTwoByTwo() {
        return kernelH == 2 && kernelW == 2 && stride == 2 && pad == 0 && 2 * outH <= height && 2 * outW <= width;
    }
}
