package dev.stride.cli;

import dev.stride.train.EpochResult;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** The loss and accuracy curves of a training run, drawn with XChart as one PNG of two charts. */
final class Plots {
    private Plots() {
    }

    /** Writes {@code file} (PNG) with loss per epoch on the left and accuracy per epoch on the right. */
    static void trainingCurves(List<EpochResult> history, Path file) throws IOException {
        double[] epochs = new double[history.size()];
        double[] trainLoss = new double[epochs.length];
        double[] testLoss = new double[epochs.length];
        double[] trainAcc = new double[epochs.length];
        double[] testAcc = new double[epochs.length];
        for (int i = 0; i < epochs.length; i++) {
            EpochResult r = history.get(i);
            epochs[i] = r.epoch() + 1;
            trainLoss[i] = r.trainLoss();
            testLoss[i] = r.testLoss();
            trainAcc[i] = 100 * r.trainAccuracy();
            testAcc[i] = 100 * r.testAccuracy();
        }
        XYChart loss = chart("Loss", "loss", Styler.LegendPosition.InsideNE);
        series(loss, "train", epochs, trainLoss);
        series(loss, "test", epochs, testLoss);
        // Accuracy climbs towards the top right, so its legend goes bottom right, out of the way.
        XYChart accuracy = chart("Accuracy", "accuracy (%)", Styler.LegendPosition.InsideSE);
        series(accuracy, "train", epochs, trainAcc);
        series(accuracy, "test", epochs, testAcc);
        String name = file.toString();
        String base = name.endsWith(".png") ? name.substring(0, name.length() - 4) : name;
        BitmapEncoder.saveBitmap(List.of(loss, accuracy), 1, 2, base, BitmapEncoder.BitmapFormat.PNG);
    }

    private static XYChart chart(String title, String yTitle, Styler.LegendPosition legend) {
        XYChart chart = new XYChartBuilder().width(560).height(400).title(title).xAxisTitle("epoch").yAxisTitle(yTitle).build();
        chart.getStyler().setLegendPosition(legend);
        chart.getStyler().setXAxisDecimalPattern("0");
        return chart;
    }

    private static void series(XYChart chart, String name, double[] x, double[] y) {
        boolean any = false;
        for (double v : y) {
            any |= !Double.isNaN(v);
        }
        if (any) {
            XYSeries s = chart.addSeries(name, x, y);
            s.setMarker(SeriesMarkers.CIRCLE);
        }
    }
}
