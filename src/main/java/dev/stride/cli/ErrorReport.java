package dev.stride.cli;

import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutionException;

/**
 * Turns whatever a command threw into the one or two lines the user sees: what went wrong (with the
 * file or option) and what to do. The commands check their options and files first and throw
 * {@link CliException}s; this is the net under them, for the errors that still arrive as the JDK
 * phrases them (a bare path, "No such device", an error thrown as an {@link Error}).
 */
final class ErrorReport {
    private ErrorReport() {
    }

    /** One or two lines, without the command's name. */
    static List<String> lines(Throwable thrown) {
        Throwable t = unwrap(thrown);
        if (t instanceof CliException) {
            return firstAndLast(t.getMessage());
        }
        if (t instanceof OutOfMemoryError oom) {
            return List.of("out of memory: " + oom.getMessage(),
                    "use a smaller --batch (or fewer --threads), or run where more memory is free");
        }
        if (t instanceof FileSystemException f) {
            return fileProblem(f);
        }
        String message = t.getMessage();
        if (message == null || message.isBlank()) {
            return List.of(t.getClass().getSimpleName() + " (run with --verbose for the stack trace)");
        }
        return firstAndLast(message);
    }

    /** The exception that says what happened, not the wrappers around it. */
    static Throwable unwrap(Throwable t) {
        Throwable at = t;
        while (at.getCause() != null && (at instanceof ExceptionInInitializerError || at instanceof ExecutionException
                || at instanceof java.io.UncheckedIOException || at instanceof picocli.CommandLine.ExecutionException)) {
            at = at.getCause();
        }
        return at;
    }

    // The JDK's file errors carry the path as their whole message; say what the path's problem is.
    private static List<String> fileProblem(FileSystemException f) {
        String file = f.getFile() == null ? "a file" : f.getFile();
        String problem;
        if (f instanceof NoSuchFileException) {
            problem = "no such file or directory";
        } else if (f instanceof AccessDeniedException) {
            problem = "permission denied";
        } else if (f instanceof FileAlreadyExistsException) {
            problem = "already exists" + (Files.isDirectory(Path.of(file)) ? "" : " as a file, where a directory belongs");
        } else if (f instanceof NotDirectoryException) {
            problem = "is not a directory";
        } else if (Files.isDirectory(Path.of(file))) {
            problem = "is a directory, where a file belongs";
        } else {
            problem = f.getReason() != null ? f.getReason() : f.getClass().getSimpleName();
        }
        return List.of(file + ": " + problem, "check the path and its permissions");
    }

    // Messages in Stride put the problem first and the fix last; what lies between (every place
    // searched, every source tried) is for --verbose, and most of it was printed as progress already.
    private static List<String> firstAndLast(String message) {
        List<String> lines = message.strip().lines().filter(l -> !l.isBlank()).toList();
        if (lines.size() <= 2) {
            return lines;
        }
        String first = lines.getFirst().strip();
        first = (first.endsWith(":") ? first.substring(0, first.length() - 1) : first) + " (--verbose shows the details)";
        return List.of(first, lines.getLast().strip());
    }
}
