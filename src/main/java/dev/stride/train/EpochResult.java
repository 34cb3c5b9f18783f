package dev.stride.train;

/**
 * What one epoch did: training loss and accuracy (means over its batches, weighted by batch size),
 * test results when there was a test set, the learning rate at the end, and the speed.
 */
public record EpochResult(int epoch, double trainLoss, double trainAccuracy,
                          double testLoss, double testAccuracy, double lr,
                          double seconds, double imagesPerSecond) {

    /** The CSV header matching {@link #csvRow()}. */
    public static String csvHeader() {
        return "epoch,train_loss,train_accuracy,test_loss,test_accuracy,lr,seconds,images_per_second";
    }

    public String csvRow() {
        return String.format(java.util.Locale.ROOT, "%d,%.6f,%.6f,%.6f,%.6f,%.6g,%.3f,%.1f",
                epoch, trainLoss, trainAccuracy, testLoss, testAccuracy, lr, seconds, imagesPerSecond);
    }
}
