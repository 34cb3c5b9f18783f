package dev.stride.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.ScopeType;

import java.io.PrintWriter;
import java.util.List;

/** The {@code stride} command: train, evaluate, inspect and use CNNs from the shell. */
@Command(name = "stride", mixinStandardHelpOptions = true, version = "Stride 0.1.0",
        description = "Convolutional neural networks on the JVM (OpenBLAS sgemm through the FFM API).",
        subcommands = {TrainCommand.class, EvalCommand.class, SummaryCommand.class, PredictCommand.class,
                FiltersCommand.class, DataCommand.class, InfoCommand.class, ExportCommand.class, ImportCommand.class})
public final class Main implements Runnable {
    static final String VERBOSE = "--verbose";

    // Read from the parse result (see verbose()), so the field only declares the option.
    @Option(names = VERBOSE, scope = ScopeType.INHERIT,
            description = "On an error, print the full message and the stack trace (also -Dstride.debug=true or STRIDE_DEBUG=1).")
    boolean verbose;

    @Override
    public void run() {
        CommandLine.usage(this, System.out);
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /**
     * The configured command line. Every error is one or two lines on stderr, "stride COMMAND: what
     * went wrong" and what to do; {@code --verbose} adds the stack trace. Exit codes: 0 success, 1 an
     * error while running, 2 a usage error (an unknown option, a bad value).
     */
    static CommandLine commandLine() {
        CommandLine cmd = new CommandLine(new Main());
        cmd.setExecutionStrategy(Main::runCatchingErrors);
        cmd.setExecutionExceptionHandler((ex, line, parseResult) -> {
            Throwable thrown = ex instanceof CommandLine.ExecutionException && ex.getCause() != null ? ex.getCause() : ex;
            report(line, thrown, verbose(parseResult));
            return 1;
        });
        cmd.setParameterExceptionHandler((ex, args) -> {
            CommandLine line = ex.getCommandLine();
            String name = line.getCommandSpec().qualifiedName();
            line.getErr().println(name + ": " + ex.getMessage());
            line.getErr().println("run '" + name + " --help' for the options");
            return 2;
        });
        return cmd;
    }

    // picocli hands only Exceptions to the handler above; an OutOfMemoryError or an
    // ExceptionInInitializerError would otherwise end the JVM with a bare stack trace.
    private static int runCatchingErrors(ParseResult parseResult) {
        try {
            return new CommandLine.RunLast().execute(parseResult);
        } catch (Error e) {
            List<CommandLine> lines = parseResult.asCommandLineList();
            throw new CommandLine.ExecutionException(lines.getLast(), String.valueOf(e.getMessage()), e);
        }
    }

    private static void report(CommandLine line, Throwable thrown, boolean verbose) {
        PrintWriter err = line.getErr();
        String name = line.getCommandSpec().qualifiedName();
        if (verbose) {
            err.println(name + ": " + thrown.getMessage());
            thrown.printStackTrace(err);
        } else {
            List<String> lines = ErrorReport.lines(thrown);
            err.println(name + ": " + lines.getFirst());
            for (String l : lines.subList(1, lines.size())) {
                err.println(l);
            }
        }
        err.flush();
    }

    private static boolean verbose(ParseResult parseResult) {
        for (ParseResult p = parseResult; p != null; p = p.subcommand()) {
            if (p.hasMatchedOption(VERBOSE)) {
                return true;
            }
        }
        return Boolean.getBoolean("stride.debug") || System.getenv("STRIDE_DEBUG") != null;
    }
}
