package dev.stride.train;

/** The result of running a model over a data set without training: mean loss and the confusion matrix. */
public record Evaluation(double loss, ConfusionMatrix confusion) {
    public double accuracy() {
        return confusion.accuracy();
    }
}
