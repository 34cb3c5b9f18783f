package dev.stride.data;

import java.util.Arrays;

/**
 * Per-channel input normalisation: a pixel byte {@code p} becomes {@code (p / 255 - mean[c]) /
 * std[c]}.
 *
 * <p>The statistics come from the training set only ({@link #of(Dataset)}) and are then reused
 * unchanged for test data and for prediction, which is why they are a value of their own that a
 * checkpoint can store: a model trained on one scaling gives nonsense on another.
 *
 * @param mean (channels) means of the [0, 1]-scaled pixels
 * @param std  (channels) standard deviations of the [0, 1]-scaled pixels, each positive
 */
public record Normalization(float[] mean, float[] std) {
    /**
     * Checks the statistics and copies the arrays.
     *
     * @throws IllegalArgumentException when the lengths differ or are 0, a mean is not finite, or a deviation
     *     not positive and finite
     */
    public Normalization {
        if (mean.length == 0 || mean.length != std.length) {
            throw new IllegalArgumentException("normalisation needs one mean and one std per channel, got "
                    + mean.length + " means and " + std.length + " stds");
        }
        for (int c = 0; c < std.length; c++) {
            if (!(std[c] > 0) || !Float.isFinite(std[c]) || !Float.isFinite(mean[c])) {
                throw new IllegalArgumentException("channel " + c + ": std must be positive and finite and mean finite, got mean "
                        + mean[c] + ", std " + std[c] + " (a constant channel has std 0; use identity() for it)");
            }
        }
        mean = mean.clone();
        std = std.clone();
    }

    /**
     * Only the scaling to [0, 1]: mean 0, std 1 in every channel.
     *
     * @param channels the number of channels
     * @return the normalisation
     */
    public static Normalization identity(int channels) {
        float[] mean = new float[channels];
        float[] std = new float[channels];
        Arrays.fill(std, 1f);
        return new Normalization(mean, std);
    }

    /**
     * Mean and (population) standard deviation of each channel over the whole data set, in double.
     *
     * @param data the training set
     * @return the normalisation
     */
    public static Normalization of(Dataset data) {
        int c = data.channels();
        long plane = (long) data.height() * data.width();
        double[] sum = new double[c];
        double[] sumSq = new double[c];
        long flat = 0;
        for (int i = 0; i < data.count(); i++) {
            for (int ch = 0; ch < c; ch++) {
                // Integer sums per plane are exact and keep the double work out of the inner loop.
                long s = 0;
                long sq = 0;
                for (long k = 0; k < plane; k++, flat++) {
                    int p = data.pixelAt(flat);
                    s += p;
                    sq += p * p;
                }
                sum[ch] += s;
                sumSq[ch] += sq;
            }
        }
        float[] mean = new float[c];
        float[] std = new float[c];
        double n = (double) data.count() * plane;
        for (int ch = 0; ch < c; ch++) {
            double m = sum[ch] / n / 255.0;
            double var = sumSq[ch] / n / (255.0 * 255.0) - m * m;
            mean[ch] = (float) m;
            std[ch] = (float) Math.sqrt(Math.max(var, 0));
        }
        return new Normalization(mean, std);
    }

    /**
     * As {@link #of(Dataset)} for any data set, reading every image once (for image folders this
     * decodes them all; give the statistics instead where that is too slow).
     *
     * @throws java.io.IOException when an image cannot be read
     * @param data the training set
     * @return the normalisation
     */
    public static Normalization of(ImageDataset data) throws java.io.IOException {
        if (data instanceof Dataset d) {
            return of(d);
        }
        int c = data.channels();
        int plane = data.height() * data.width();
        double[] sum = new double[c];
        double[] sumSq = new double[c];
        byte[] image = new byte[data.sampleSize()];
        long n = 0;
        for (int i = 0; i < data.count(); i++) {
            try {
                data.read(i, image);
            } catch (java.io.IOException e) {
                continue; // a broken image is reported by the loader; the statistics do without it
            }
            n++;
            for (int ch = 0; ch < c; ch++) {
                long s = 0;
                long sq = 0;
                for (int k = ch * plane; k < (ch + 1) * plane; k++) {
                    int p = Byte.toUnsignedInt(image[k]);
                    s += p;
                    sq += p * p;
                }
                sum[ch] += s;
                sumSq[ch] += sq;
            }
        }
        if (n == 0) {
            throw new java.io.IOException("no image of the data set could be read, so there are no statistics to compute");
        }
        float[] mean = new float[c];
        float[] std = new float[c];
        for (int ch = 0; ch < c; ch++) {
            double m = sum[ch] / ((double) n * plane) / 255.0;
            double var = sumSq[ch] / ((double) n * plane) / (255.0 * 255.0) - m * m;
            mean[ch] = (float) m;
            // A constant channel (a folder of grey images stored as RGB has none, but one colour might) keeps std 1.
            std[ch] = var > 1e-12 ? (float) Math.sqrt(var) : 1f;
        }
        return new Normalization(mean, std);
    }

    /**
     * The number of channels.
     *
     * @return the length of {@link #mean()}
     */
    public int channels() {
        return mean.length;
    }

    /**
     * The means, one per channel.
     *
     * @return a copy
     */
    @Override
    public float[] mean() {
        return mean.clone();
    }

    /**
     * The standard deviations, one per channel.
     *
     * @return a copy
     */
    @Override
    public float[] std() {
        return std.clone();
    }

    /**
     * The means as comma-separated text ("0.1307"): the form checkpoints and ONNX metadata store.
     *
     * @return the text
     */
    public String meanText() {
        return text(mean);
    }

    /**
     * The stds as comma-separated text, as {@link #meanText()}.
     *
     * @return the text
     */
    public String stdText() {
        return text(std);
    }

    /**
     * The normalisation that {@link #meanText()} and {@link #stdText()} wrote; an IllegalArgumentException
     * for anything else.
     *
     * @param mean what {@link #meanText()} wrote
     * @param std what {@link #stdText()} wrote
     * @return the normalisation
     */
    public static Normalization parse(String mean, String std) {
        return new Normalization(values(mean), values(std));
    }

    /**
     * Comma-separated floats, e.g. "0.4914,0.4822,0.4465"; a NumberFormatException (an
     * IllegalArgumentException) for text that is not, and for none.
     *
     * @param text the text
     * @return the values
     */
    public static float[] values(String text) {
        if (text == null) {
            throw new NumberFormatException("no values");
        }
        String[] parts = text.split(",");
        float[] v = new float[parts.length];
        for (int i = 0; i < v.length; i++) {
            v[i] = Float.parseFloat(parts[i].strip());
        }
        return v;
    }

    private static String text(float[] values) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < values.length; i++) {
            sb.append(i == 0 ? "" : ",").append(values[i]);
        }
        return sb.toString();
    }

    /**
     * The normalised value of pixel byte {@code p} (0..255) in channel {@code c}.
     *
     * @param c the channel
     * @param p the pixel byte, 0 to 255
     * @return the normalised value
     */
    public float apply(int c, int p) {
        return applyUnit(c, p / 255f);
    }

    /**
     * The normalised value of a pixel already scaled to [0, 1], e.g. from an image file at prediction time.
     *
     * @param c the channel
     * @param x the pixel, in [0, 1]
     * @return the normalised value
     */
    public float applyUnit(int c, float x) {
        return (x - mean[c]) / std[c];
    }

    /**
     * The 256 normalised values of channel {@code c}, indexed by pixel byte: a table lookup per pixel in the
     * loader.
     *
     * @param c the channel
     * @return a new table of 256 values
     */
    public float[] table(int c) {
        float[] t = new float[256];
        for (int p = 0; p < 256; p++) {
            t[p] = apply(c, p);
        }
        return t;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Normalization n && Arrays.equals(mean, n.mean) && Arrays.equals(std, n.std);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(mean) + Arrays.hashCode(std);
    }

    @Override
    public String toString() {
        return "Normalization[mean=" + Arrays.toString(mean) + ", std=" + Arrays.toString(std) + "]";
    }
}
