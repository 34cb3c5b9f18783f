package dev.stride.cli;

/**
 * A problem the user can fix, reported as at most two lines: what went wrong, naming the option or
 * file, and what to do about it. {@link Main} prints it without a stack trace unless asked to.
 */
final class CliException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * @param problem one line: what went wrong, with the option or file it concerns
     * @param fix     one line: what to do instead
     */
    CliException(String problem, String fix) {
        super(problem + "\n" + fix);
    }

    /** As {@link #CliException(String, String)}, keeping the exception that revealed the problem for --verbose. */
    CliException(String problem, String fix, Throwable cause) {
        super(problem + "\n" + fix, cause);
    }
}
