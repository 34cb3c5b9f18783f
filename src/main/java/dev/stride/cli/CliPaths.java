package dev.stride.cli;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Checks the files and directories a command was given before it starts work, so that a wrong path
 * is reported with its option and a fix, not as the JDK's bare path or "No such device" after a
 * training run or a download.
 */
final class CliPaths {
    private CliPaths() {
    }

    /**
     * A file the command reads.
     *
     * @param what what belongs there, for the fix, e.g. "a checkpoint written by stride train"
     */
    static void readableFile(Path file, String option, String what) {
        String at = option + " " + file;
        if (Files.isDirectory(file)) {
            throw new CliException(at + ": is a directory, where a file belongs", "give the path of " + what + " inside it");
        }
        if (!Files.exists(file)) {
            throw new CliException(at + ": no such file", "give the path of " + what);
        }
        if (!Files.isRegularFile(file)) {
            throw new CliException(at + ": not a regular file", "give the path of " + what);
        }
        if (!Files.isReadable(file)) {
            throw new CliException(at + ": permission denied", "make it readable (chmod u+r) or copy it somewhere you can read");
        }
    }

    /** A directory the command writes into, created when missing; tried with a temporary file. */
    static void writableDirectory(Path dir, String option) {
        String at = option + " " + dir;
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new CliException(at + ": is a file, where a directory belongs", "choose a directory (it is created if missing)");
        }
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new CliException(at + ": cannot create it (" + reason(e) + ")", "choose a directory you can write to", e);
        }
        probe(dir, at);
    }

    /** A file the command writes (replacing it if present); its directory must exist and take new files. */
    static void writableFile(Path file, String option) {
        String at = option + " " + file;
        if (Files.isDirectory(file)) {
            throw new CliException(at + ": is a directory, where a file belongs", "give a file name, e.g. " + file.resolve("filters.png"));
        }
        Path dir = file.toAbsolutePath().getParent();
        if (!Files.isDirectory(dir)) {
            throw new CliException(at + ": its directory " + dir + " does not exist", "create it first, or choose another path");
        }
        if (Files.exists(file) && !Files.isWritable(file)) {
            throw new CliException(at + ": permission denied", "choose another path, or make the file writable");
        }
        probe(dir, at);
    }

    /** A directory the command reads, and writes into when files are missing (--data): only a file there is wrong up front. */
    static void dataDirectory(Path dir, String option) {
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new CliException(option + " " + dir + ": is a file, where a directory belongs",
                    "give the directory that holds (or is to hold) MNIST's four files");
        }
    }

    // Permissions alone do not say whether a write will succeed (a read-only mount, root's rights,
    // ACLs): creating a file does.
    private static void probe(Path dir, String at) {
        try {
            Files.delete(Files.createTempFile(dir, ".stride-write-check-", ".tmp"));
        } catch (IOException e) {
            throw new CliException(at + ": cannot write there (" + reason(e) + ")", "choose a directory you can write to", e);
        }
    }

    /** The JDK's reason for a failed file operation, in words. */
    static String reason(IOException e) {
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof FileAlreadyExistsException f) {
            return f.getFile() + " is a file";
        }
        if (e instanceof FileSystemException f && f.getReason() != null) {
            return (f.getFile() != null ? f.getFile() + ": " : "") + f.getReason();
        }
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }
}
