package dev.stride.train;

/**
 * What one epoch did: training loss and accuracy (means over its batches, weighted by batch size),
 * test results when there was a test set, the learning rate at the end, and the speed.
 *
 * @param epoch the epoch's number
 * @param trainLoss the mean training loss
 * @param trainAccuracy the fraction of training samples classified correctly during the epoch
 * @param testLoss the mean test loss; NaN without a test set
 * @param testAccuracy the test accuracy; NaN without a test set
 * @param lr the learning rate at the end of the epoch
 * @param seconds the epoch's wall time, evaluation included
 * @param imagesPerSecond training samples per second
 */
public record EpochResult(int epoch, double trainLoss, double trainAccuracy,
                          double testLoss, double testAccuracy, double lr,
                          double seconds, double imagesPerSecond) {

    /**
     * The CSV header matching {@link #csvRow()}.
     *
     * @return the header line, without a newline
     */
    public static String csvHeader() {
        return "epoch,train_loss,train_accuracy,test_loss,test_accuracy,lr,seconds,images_per_second";
    }

    /**
     * This result as one CSV line, in the order of {@link #csvHeader()}.
     *
     * @return the line, without a newline
     */
    public String csvRow() {
        return String.format(java.util.Locale.ROOT, "%d,%.6f,%.6f,%.6f,%.6f,%.6g,%.3f,%.1f",
                epoch, trainLoss, trainAccuracy, testLoss, testAccuracy, lr, seconds, imagesPerSecond);
    }
}
