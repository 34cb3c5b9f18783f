package dev.stride.train;

/**
 * Counts of (true class, predicted class) pairs over an evaluation, and what follows from them:
 * accuracy and per-class recall. Rows are true classes, columns predictions.
 */
public final class ConfusionMatrix {
    private final long[][] counts; // (classes, classes)

    /**
     * An empty matrix. Not thread-safe: one evaluation fills it.
     *
     * @param classes the number of classes, at least 2
     */
    public ConfusionMatrix(int classes) {
        if (classes < 2) {
            throw new IllegalArgumentException("a confusion matrix needs at least 2 classes, got " + classes);
        }
        counts = new long[classes][classes];
    }

    /**
     * Counts one sample.
     *
     * @param label its true class
     * @param predicted the class the model gave it
     */
    public void add(int label, int predicted) {
        counts[label][predicted]++;
    }

    /**
     * The number of classes.
     *
     * @return the matrix's side
     */
    public int classes() {
        return counts.length;
    }

    /**
     * How many samples of class {@code label} were predicted as {@code predicted}.
     *
     * @param label the true class
     * @param predicted the predicted class
     * @return the count
     */
    public long count(int label, int predicted) {
        return counts[label][predicted];
    }

    /**
     * The number of samples counted.
     *
     * @return the sum of every cell
     */
    public long total() {
        long t = 0;
        for (long[] row : counts) {
            for (long c : row) {
                t += c;
            }
        }
        return t;
    }

    /**
     * The number of samples classified correctly.
     *
     * @return the sum of the diagonal
     */
    public long correct() {
        long c = 0;
        for (int i = 0; i < counts.length; i++) {
            c += counts[i][i];
        }
        return c;
    }

    /**
     * Fraction of samples classified correctly (0 when empty).
     *
     * @return correct over total
     */
    public double accuracy() {
        long t = total();
        return t == 0 ? 0 : (double) correct() / t;
    }

    /**
     * A text table with a header row of predicted classes and a recall column.
     *
     * @return the table, one line per true class
     */
    public String format() {
        int width = Math.max(5, Long.toString(Math.max(1, total())).length() + 1);
        StringBuilder sb = new StringBuilder();
        sb.append(String.format("%-8s", "true\\pred"));
        for (int p = 0; p < counts.length; p++) {
            sb.append(String.format("%" + width + "d", p));
        }
        sb.append("   recall\n");
        for (int t = 0; t < counts.length; t++) {
            sb.append(String.format("%-9d", t));
            long rowTotal = 0;
            for (int p = 0; p < counts.length; p++) {
                sb.append(String.format("%" + width + "d", counts[t][p]));
                rowTotal += counts[t][p];
            }
            sb.append(String.format("   %5.1f%%%n", rowTotal == 0 ? 0 : 100.0 * counts[t][t] / rowTotal));
        }
        return sb.toString();
    }
}
