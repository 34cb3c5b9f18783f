package dev.stride.cli;

import dev.stride.blas.GemmBackend;
import dev.stride.data.Normalization;
import dev.stride.nn.BuildOptions;
import dev.stride.nn.Layer;
import dev.stride.optim.Optimizer;
import dev.stride.optim.Sgd;
import dev.stride.optim.SgdSpec;
import dev.stride.train.EpochResult;
import dev.stride.train.ModelCheckpoint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * metrics.csv and the checkpoint agree whenever a run stops: the checkpoint is written first and
 * carries its epoch's row, so a crash between the two writes loses no row on resume, and rows of
 * epochs the checkpoint has not got are dropped.
 */
class RunRecordTest {
    @TempDir
    Path out;

    private static EpochResult row(int epoch) {
        return new EpochResult(epoch, 1.0 / (epoch + 1), 0.5, 0.25, 0.75, 0.01, 2.0, 30000);
    }

    /** Runs {@code epochs} epochs' bookkeeping on a small model and returns what a resume would read. */
    private List<EpochResult> afterEpochs(int epochs, Runnable crash) throws IOException {
        RunRecord record = new RunRecord(out);
        try (Arena arena = Arena.ofShared()) {
            Path ckpt = TestCheckpoints.small(out.resolve("seed.stride"), 1, 28, 10);
            Layer net = ModelCheckpoint.load(ckpt, GemmBackend.java(), arena, 1, BuildOptions.training().withThreads(1)).model();
            Optimizer opt = new Sgd(net.parameters(), arena, SgdSpec.of(0.1).withMomentum(0.9));
            Normalization norm = new Normalization(new float[] {0.1f}, new float[] {0.3f});
            List<EpochResult> history = new ArrayList<>();
            for (int e = 0; e < epochs; e++) {
                history.add(row(e));
                if (e == epochs - 1) {
                    crash.run();
                }
                try {
                    record.epochDone(history, net, norm, opt, new ModelCheckpoint.Progress(e + 1, 10L * (e + 1), 1), Map.of());
                } catch (IOException ignored) {
                    // The "crash": whatever was written by then stays.
                }
            }
            return record.history(ModelCheckpoint.load(record.checkpoint(), GemmBackend.java(), arena, 1));
        }
    }

    @Test
    void aCrashBetweenTheCheckpointAndTheCsvLosesNoRow() throws IOException {
        // A directory where the CSV's temporary file goes makes writing the CSV fail after the checkpoint.
        List<EpochResult> resumed = afterEpochs(3, () -> {
            try {
                Files.createDirectory(out.resolve("metrics.csv.tmp"));
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        });
        assertEquals(2, Files.readAllLines(out.resolve("metrics.csv")).size() - 1, "the CSV missed the last epoch");
        assertEquals(List.of(row(0).csvRow(), row(1).csvRow(), row(2).csvRow()), resumed.stream().map(EpochResult::csvRow).toList());
    }

    @Test
    void rowsBeyondTheCheckpointAreDropped() throws IOException {
        List<EpochResult> resumed = afterEpochs(2, () -> { });
        Files.writeString(out.resolve("metrics.csv"), row(5).csvRow() + "\n", java.nio.file.StandardOpenOption.APPEND);
        try (Arena arena = Arena.ofShared()) {
            List<EpochResult> again = new RunRecord(out).history(ModelCheckpoint.load(out.resolve("checkpoint.stride"),
                    GemmBackend.java(), arena, 1));
            assertEquals(List.of(row(0).csvRow(), row(1).csvRow()), again.stream().map(EpochResult::csvRow).toList());
        }
        assertEquals(2, resumed.size());
    }

    @Test
    void theCheckpointIsWrittenBeforeTheCsv() throws IOException {
        Files.createDirectory(out.resolve("checkpoint.stride"));
        RunRecord record = new RunRecord(out);
        try (Arena arena = Arena.ofShared()) {
            Path ckpt = TestCheckpoints.small(out.resolve("seed.stride"), 1, 28, 10);
            Layer net = ModelCheckpoint.load(ckpt, GemmBackend.java(), arena, 1).model();
            assertThrows(IOException.class, () -> record.epochDone(List.of(row(0)), net,
                    new Normalization(new float[] {0.1f}, new float[] {0.3f}), null, new ModelCheckpoint.Progress(1, 10, 1), Map.of()));
        }
        assertTrue(Files.notExists(out.resolve("metrics.csv")), "no CSV row for an epoch whose checkpoint failed");
    }
}
