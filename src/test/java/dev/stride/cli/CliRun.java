package dev.stride.cli;

import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Runs the command line in this JVM, as {@code stride ARGS} would, capturing what it prints; and the
 * assertions every error case shares: the exit code, a report of one or two lines that names the
 * file or option and the fix, and no stack trace unless {@code --verbose}.
 */
final class CliRun {
    private CliRun() {
    }

    /** Exit code and everything printed; stderr holds the commands' own lines and picocli's in order. */
    record Result(int code, String out, String err) {
        /** stderr without progress ("data: ...") and advisory lines ("stride: warning: ...", "stride: note: ..."). */
        List<String> report() {
            return err.lines().filter(l -> !l.startsWith("data: ") && !l.startsWith("stride: warning: ")
                    && !l.startsWith("stride: note: ") && !l.isBlank()).toList();
        }
    }

    static Result run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        PrintStream errStream = new PrintStream(err, true, StandardCharsets.UTF_8);
        CommandLine cmd = Main.commandLine();
        cmd.setErr(new PrintWriter(errStream, true));
        int code;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(errStream);
        try {
            code = cmd.execute(args);
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /**
     * Asserts an error report: {@code code}, one or two lines starting "stride COMMAND: ", holding
     * every fragment (the file or option, the problem, the fix), and no stack trace.
     */
    static List<String> assertError(Result r, int code, String... fragments) {
        assertEquals(code, r.code(), r.err() + r.out());
        List<String> report = r.report();
        assertTrue(report.size() == 1 || report.size() == 2, "one or two lines, got " + report.size() + ":\n" + r.err());
        assertTrue(report.getFirst().startsWith("stride "), r.err());
        String text = String.join("\n", report);
        for (String f : fragments) {
            assertTrue(text.contains(f), "'" + f + "' missing from:\n" + r.err());
        }
        assertNoStackTrace(r);
        return report;
    }

    static void assertNoStackTrace(Result r) {
        assertFalse(r.err().contains("\tat ") || r.err().contains("Exception in thread"), "a stack trace:\n" + r.err());
    }

    /** The same command with --verbose: the same first line, then the stack trace. */
    static void assertVerboseShowsTrace(String... args) {
        String[] verbose = new String[args.length + 1];
        System.arraycopy(args, 0, verbose, 0, args.length);
        verbose[args.length] = Main.VERBOSE;
        Result r = run(verbose);
        assertTrue(r.code() != 0, r.err());
        assertTrue(r.err().contains("\tat dev.stride."), "--verbose shows the stack trace:\n" + r.err());
    }
}
