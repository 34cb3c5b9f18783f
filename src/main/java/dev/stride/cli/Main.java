package dev.stride.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code stride} command: train, evaluate, inspect and use CNNs from the shell. */
@Command(name = "stride", mixinStandardHelpOptions = true, version = "Stride 0.1.0",
        description = "Convolutional neural networks on the JVM (OpenBLAS sgemm through the FFM API).",
        subcommands = {TrainCommand.class, EvalCommand.class, SummaryCommand.class, PredictCommand.class,
                FiltersCommand.class, DataCommand.class, InfoCommand.class})
public final class Main implements Runnable {

    @Override
    public void run() {
        CommandLine.usage(this, System.out);
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The configured command line: errors print their message, not a stack trace (--debug shows it). */
    static CommandLine commandLine() {
        CommandLine cmd = new CommandLine(new Main());
        cmd.setExecutionExceptionHandler((ex, line, parseResult) -> {
            line.getErr().println("stride " + line.getCommandName() + ": " + ex.getMessage());
            if (Boolean.getBoolean("stride.debug") || System.getenv("STRIDE_DEBUG") != null) {
                ex.printStackTrace(line.getErr());
            }
            return 1;
        });
        return cmd;
    }
}
