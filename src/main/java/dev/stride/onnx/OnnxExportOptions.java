package dev.stride.onnx;

/**
 * How a model is exported.
 *
 * @param opset         the ONNX operator set version of the default domain, 13 to 17 (the
 *                      operators used read the same across them; 18 moves ReduceMax's axes to an input)
 * @param foldBatchNorm fold each BatchNorm2d into the Conv2d right before it (same sequence) instead
 *                      of exporting a BatchNormalization node
 */
public record OnnxExportOptions(int opset, boolean foldBatchNorm) {
    public static final int MIN_OPSET = 13;
    public static final int MAX_OPSET = 17;

    /**
     * Checks the opset.
     *
     * @throws IllegalArgumentException when it is outside {@link #MIN_OPSET} to {@link #MAX_OPSET}
     */
    public OnnxExportOptions {
        if (opset < MIN_OPSET || opset > MAX_OPSET) {
            throw new IllegalArgumentException("ONNX opset " + opset + " is not supported; export to opset "
                    + MIN_OPSET + " to " + MAX_OPSET);
        }
    }

    /**
     * Opset 13, BatchNormalization nodes kept.
     *
     * @return the options
     */
    public static OnnxExportOptions defaults() {
        return new OnnxExportOptions(MIN_OPSET, false);
    }

    /**
     * These options with another opset.
     *
     * @param opset {@link #MIN_OPSET} to {@link #MAX_OPSET}
     * @return new options
     */
    public OnnxExportOptions withOpset(int opset) {
        return new OnnxExportOptions(opset, foldBatchNorm);
    }

    /**
     * These options with batch norms folded or not.
     *
     * @param fold true to fold each BatchNorm2d into the Conv2d before it
     * @return new options
     */
    public OnnxExportOptions withFoldBatchNorm(boolean fold) {
        return new OnnxExportOptions(opset, fold);
    }
}
