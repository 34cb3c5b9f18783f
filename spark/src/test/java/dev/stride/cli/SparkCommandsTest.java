package dev.stride.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The spark-* commands' option errors: one or two lines naming the option, before Spark or the data is touched. */
class SparkCommandsTest {

    record Run(int exit, String err) {
    }

    static Run run(String... args) {
        CommandLine cmd = Main.commandLine();
        cmd.addSubcommand(new SparkTrainCommand());
        cmd.addSubcommand(new SparkPredictCommand());
        StringWriter err = new StringWriter();
        cmd.setErr(new PrintWriter(err, true));
        for (CommandLine sub : cmd.getSubcommands().values()) {
            sub.setErr(new PrintWriter(err, true));
        }
        return new Run(cmd.execute(args), err.toString());
    }

    @Test
    void aGlobalBatchSmallerThanTheWorkersIsRefusedNamingBoth() {
        Run r = run("spark-train", "--workers", "4", "--batch", "2");
        assertEquals(1, r.exit());
        assertTrue(r.err().startsWith("stride spark-train: --batch 2 is smaller than --workers 4"), r.err());
    }

    @Test
    void noWorkersIsRefused() {
        Run r = run("spark-train", "--workers", "0");
        assertEquals(1, r.exit());
        assertTrue(r.err().startsWith("stride spark-train: --workers 0: must be at least 1"), r.err());
    }

    @Test
    void aMissingCheckpointIsRefusedBeforeSparkStarts(@TempDir Path dir) {
        Run r = run("spark-predict", dir.resolve("none.ckpt").toString(), dir.toString(), "--out", dir.resolve("o").toString());
        assertEquals(1, r.exit());
        assertTrue(r.err().startsWith("stride spark-predict: checkpoint") && r.err().contains("none.ckpt"), r.err());
    }
}
