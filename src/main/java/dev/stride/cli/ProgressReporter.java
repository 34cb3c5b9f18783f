package dev.stride.cli;

import dev.stride.train.EpochResult;
import dev.stride.train.TrainingListener;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

import java.io.Console;
import java.util.Locale;

/**
 * Shows training progress: on a terminal a live bar per epoch (batch, loss, accuracy, images/s,
 * ETA); otherwise, as in CI logs, one plain line per epoch.
 */
final class ProgressReporter implements TrainingListener, AutoCloseable {
    private final int epochs;
    private final boolean terminal;
    private ProgressBar bar;

    ProgressReporter(int epochs) {
        this.epochs = epochs;
        Console console = System.console();
        this.terminal = console != null && console.isTerminal();
    }

    @Override
    public void onBatch(int epoch, int batch, int batches, double loss, double accuracy, double imagesPerSecond) {
        if (!terminal) {
            return;
        }
        if (bar == null) {
            bar = new ProgressBarBuilder().setTaskName(String.format(Locale.ROOT, "epoch %d/%d", epoch + 1, epochs))
                    .setInitialMax(batches).setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(250)
                    .continuousUpdate().build();
        }
        bar.stepTo(batch);
        bar.setExtraMessage(String.format(Locale.ROOT, "loss %.4f acc %.2f%% %,.0f img/s", loss, 100 * accuracy, imagesPerSecond));
    }

    @Override
    public void onEpoch(EpochResult r) {
        if (bar != null) {
            bar.close();
            bar = null;
        }
        System.out.printf(Locale.ROOT, "epoch %d/%d  train loss %.4f acc %.2f%%  test loss %.4f acc %.2f%%  lr %.4g  %.1f s  %,.0f img/s%n",
                r.epoch() + 1, epochs, r.trainLoss(), 100 * r.trainAccuracy(), r.testLoss(), 100 * r.testAccuracy(),
                r.lr(), r.seconds(), r.imagesPerSecond());
    }

    @Override
    public void close() {
        if (bar != null) {
            bar.close();
        }
    }
}
