package dev.stride.train;

/**
 * The result of running a model over a data set without training: mean loss and the confusion matrix.
 *
 * @param loss the mean loss over the samples
 * @param confusion the counts of (true, predicted) classes
 */
public record Evaluation(double loss, ConfusionMatrix confusion) {
    /**
     * The fraction of samples classified correctly.
     *
     * @return {@link ConfusionMatrix#accuracy()}
     */
    public double accuracy() {
        return confusion.accuracy();
    }
}
