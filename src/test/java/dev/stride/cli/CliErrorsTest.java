package dev.stride.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

import static dev.stride.cli.CliRun.assertError;
import static dev.stride.cli.CliRun.assertVerboseShowsTrace;
import static dev.stride.cli.CliRun.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

/**
 * Wrong paths and option values: each is one or two lines naming the option, the path and the fix,
 * before any work starts, with the stack trace only under --verbose.
 */
class CliErrorsTest {
    @TempDir
    Path dir;

    /** The command line of {@code command} with its checkpoint option set to {@code checkpoint}. */
    private List<String> withCheckpoint(String command, Path checkpoint) {
        List<String> args = new ArrayList<>(List.of(command));
        switch (command) {
            case "train" -> args.addAll(List.of("--resume", checkpoint.toString(), "--out", dir.resolve("run").toString(),
                    "--data", dir.resolve("mnist").toString()));
            case "eval" -> args.addAll(List.of("--checkpoint", checkpoint.toString(), "--data", dir.resolve("mnist").toString()));
            case "predict" -> args.addAll(List.of("--checkpoint", checkpoint.toString(), dir.resolve("x.png").toString()));
            case "filters" -> args.addAll(List.of("--checkpoint", checkpoint.toString(), "--out", dir.resolve("f.png").toString()));
            default -> args.addAll(List.of("--checkpoint", checkpoint.toString()));
        }
        return args;
    }

    private static String option(String command) {
        return command.equals("train") ? "--resume" : "--checkpoint";
    }

    @ParameterizedTest
    @ValueSource(strings = {"train", "eval", "predict", "filters", "summary"})
    void aMissingCheckpointNamesTheOptionAndThePath(String command) {
        Path missing = dir.resolve("none.stride");
        List<String> args = withCheckpoint(command, missing);
        assertError(run(args.toArray(String[]::new)), 1,
                "stride " + command + ": " + option(command) + " " + missing + ": no such file", "give the path of a checkpoint");
        assertVerboseShowsTrace(args.toArray(String[]::new));
    }

    @ParameterizedTest
    @ValueSource(strings = {"train", "eval", "predict", "filters", "summary"})
    void aDirectoryWhereTheCheckpointBelongsIsNamed(String command) {
        // Reading a directory as a file fails with the JDK's bare "No such device".
        assertError(run(withCheckpoint(command, dir).toArray(String[]::new)), 1,
                option(command) + " " + dir + ": is a directory, where a file belongs", "inside it");
    }

    @Test
    void anUnreadableCheckpointIsNamed() throws Exception {
        assumeFalse("root".equals(System.getProperty("user.name")), "root reads any file");
        Path locked = TestCheckpoints.lenet(dir.resolve("locked.stride"));
        Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("-w-------"));
        assertError(run("eval", "--checkpoint", locked.toString()), 1, "--checkpoint " + locked + ": permission denied", "chmod");
    }

    @Test
    void aFileWhereTheOutputDirectoryBelongsIsNamed() throws Exception {
        Path file = Files.writeString(dir.resolve("a-file"), "x");
        assertError(run("train", "--out", file.toString(), "--data", dir.toString()), 1,
                "stride train: --out " + file + ": is a file, where a directory belongs", "choose a directory");
        Path below = file.resolve("run");
        assertError(run("train", "--out", below.toString(), "--data", dir.toString()), 1,
                "--out " + below + ": cannot create it", "choose a directory you can write to");
        assertVerboseShowsTrace("train", "--out", below.toString(), "--data", dir.toString());
    }

    @Test
    void anUnwritableOutputDirectoryIsNamed() throws Exception {
        assumeFalse("root".equals(System.getProperty("user.name")), "root writes anywhere");
        Path locked = Files.createDirectory(dir.resolve("locked"));
        Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("r-xr-xr-x"));
        assertError(run("train", "--out", locked.toString(), "--data", dir.toString()), 1,
                "--out " + locked + ": cannot write there (permission denied)", "choose a directory you can write to");
    }

    @Test
    void filtersOutMustBeAWritableFile() throws Exception {
        Path ckpt = TestCheckpoints.lenet(dir.resolve("lenet.stride"));
        assertError(run("filters", "--checkpoint", ckpt.toString(), "--out", dir.toString()), 1,
                "stride filters: --out " + dir + ": is a directory, where a file belongs", "give a file name");
        Path nowhere = dir.resolve("missing").resolve("f.png");
        assertError(run("filters", "--checkpoint", ckpt.toString(), "--out", nowhere.toString()), 1,
                "--out " + nowhere + ": its directory " + nowhere.getParent() + " does not exist", "create it first");
        assertTrue(Files.notExists(nowhere.getParent()));
    }

    @Test
    void aFileWhereTheDataDirectoryBelongsIsNamed() throws Exception {
        Path ckpt = TestCheckpoints.lenet(dir.resolve("lenet.stride"));
        Path file = Files.writeString(dir.resolve("mnist"), "x");
        assertError(run("eval", "--checkpoint", ckpt.toString(), "--data", file.toString()), 1,
                "--data " + file + ": is a file, where a directory belongs", "MNIST's four files");
        assertError(run("data", "--dir", file.toString()), 1, "--dir " + file + ": is a file");
    }

    @Test
    void aBadBackendIsAUsageErrorNotAnExceptionInInitializerError() {
        CliRun.Result r = run("info", "--backend", "cuda");
        List<String> report = assertError(r, 2, "stride info: ", "--backend", "[openblas, java, auto]", "'cuda'",
                "run 'stride info --help'");
        assertEquals(2, report.size());
        // The JVM-wide default backend was not touched, so a later command still works.
        assertEquals(0, run("info", "--backend", "java").code());
    }

    @Test
    void usageErrorsAreTwoLinesWithoutTheWholeHelp() {
        CliRun.Result r = run("train", "--epochs", "five");
        assertEquals(List.of("stride train: Invalid value for option '--epochs': 'five' is not an int",
                "run 'stride train --help' for the options"), assertError(r, 2));
    }

    @Test
    void verboseIsAcceptedBeforeTheCommandToo() {
        Path missing = dir.resolve("none.stride");
        CliRun.Result r = run("--verbose", "summary", "--checkpoint", missing.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("\tat dev.stride.cli.CliPaths.readableFile"), r.err());
    }
}
