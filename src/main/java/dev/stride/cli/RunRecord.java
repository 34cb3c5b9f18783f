package dev.stride.cli;

import dev.stride.data.Normalization;
import dev.stride.nn.Layer;
import dev.stride.optim.Optimizer;
import dev.stride.train.EpochResult;
import dev.stride.train.ModelCheckpoint;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The files a training run keeps in its output directory: {@code checkpoint.stride},
 * {@code metrics.csv} and {@code curves.png}, written after each epoch in that order, each
 * atomically. The checkpoint also carries its epoch's CSV row, so whichever moment a crash hits,
 * a resumed run rebuilds the same metrics: the CSV is never ahead of the checkpoint (its extra rows
 * are dropped on resume), and a row it lacks is taken from the checkpoint.
 */
final class RunRecord {
    /** Checkpoint metadata key: the CSV row of the epoch the checkpoint ends. */
    static final String METRICS_KEY = "metrics.row";

    private final Path checkpoint;
    private final Path csv;
    private final Path curves;

    RunRecord(Path out) {
        this.checkpoint = out.resolve("checkpoint.stride");
        this.csv = out.resolve("metrics.csv");
        this.curves = out.resolve("curves.png");
    }

    Path checkpoint() {
        return checkpoint;
    }

    Path csv() {
        return csv;
    }

    Path curves() {
        return curves;
    }

    /** The rows of the epochs a resumed run has done (none for a new run). */
    List<EpochResult> history(ModelCheckpoint.Loaded resumed) throws IOException {
        List<EpochResult> history = new ArrayList<>();
        if (resumed == null) {
            return history;
        }
        int done = resumed.progress().epochsDone();
        if (Files.exists(csv)) {
            for (String line : Files.readAllLines(csv)) {
                EpochResult r = parse(line);
                if (r != null && r.epoch() < done) {
                    history.add(r);
                }
            }
        }
        EpochResult last = parse(resumed.checkpoint().metadata().getOrDefault(METRICS_KEY, ""));
        if (last != null && last.epoch() == done - 1 && (history.isEmpty() || history.getLast().epoch() != last.epoch())) {
            history.add(last);
        }
        return history;
    }

    /** After an epoch: the checkpoint (with the epoch's row), then the CSV, then the plot. */
    void epochDone(List<EpochResult> history, Layer net, Normalization norm, Optimizer opt,
                   ModelCheckpoint.Progress progress, Map<String, String> extra) throws IOException {
        Map<String, String> meta = new LinkedHashMap<>(extra);
        meta.put(METRICS_KEY, history.getLast().csvRow());
        ModelCheckpoint.save(checkpoint, net, norm, opt, progress, meta);
        writeCsv(history);
        Plots.trainingCurves(history, curves);
    }

    private void writeCsv(List<EpochResult> history) throws IOException {
        Path tmp = csv.resolveSibling(csv.getFileName() + ".tmp");
        try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(tmp))) {
            w.println(EpochResult.csvHeader());
            for (EpochResult r : history) {
                w.println(r.csvRow());
            }
        }
        Files.move(tmp, csv, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** A row of {@link EpochResult#csvRow()}, or null for the header or a line of another layout. */
    static EpochResult parse(String line) {
        String[] f = line.split(",");
        if (f.length != 8 || f[0].equals("epoch")) {
            return null;
        }
        try {
            return new EpochResult(Integer.parseInt(f[0]), Double.parseDouble(f[1]), Double.parseDouble(f[2]),
                    Double.parseDouble(f[3]), Double.parseDouble(f[4]), Double.parseDouble(f[5]),
                    Double.parseDouble(f[6]), Double.parseDouble(f[7]));
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
