package dev.stride.infer;

import dev.stride.tensor.Shape;

/** The checks every input passes before a pass: the number of samples, the length, finite values. */
final class SampleCheck {
    private final int sampleSize;        // floats per sample
    private final String description;    // the sample shape, e.g. "1x28x28"
    private final int maxSamplesPerCall;

    SampleCheck(Shape sample, int maxSamplesPerCall) {
        this.sampleSize = Math.toIntExact(sample.size());
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < sample.rank(); i++) {
            sb.append(i == 0 ? "" : "x").append(sample.dim(i));
        }
        this.description = sb.toString();
        this.maxSamplesPerCall = maxSamplesPerCall;
    }

    int sampleSize() {
        return sampleSize;
    }

    /** The sample shape in words, e.g. "1x28x28". */
    String description() {
        return description;
    }

    void count(int n) {
        if (n < 1 || n > maxSamplesPerCall) {
            throw new IllegalArgumentException("a call takes 1 to " + maxSamplesPerCall + " samples (InferenceOptions.maxSamplesPerCall), got "
                    + n + (n > maxSamplesPerCall ? "; split the call, or raise the limit" : ""));
        }
    }

    /** {@code n} samples in {@code x}: exactly that many floats, every one finite. */
    void floats(float[] x, int n) {
        count(n);
        if (x.length != (long) n * sampleSize) {
            throw new IllegalArgumentException(n + " samples of " + description + " are " + (long) n * sampleSize
                    + " floats, but the array holds " + x.length);
        }
        for (int i = 0; i < x.length; i++) {
            finite(x[i], i);
        }
    }

    void finite(float v, long index) {
        if (!Float.isFinite(v)) {
            throw new IllegalArgumentException("sample " + index / sampleSize + ", element " + index % sampleSize + " of "
                    + description + " is " + v + "; inputs must be finite (a NaN or infinity would spread to every score)");
        }
    }
}
