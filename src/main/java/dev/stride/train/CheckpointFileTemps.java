package dev.stride.train;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * The temporary files of {@link CheckpointFile#save}: {@code .<name>.<pid>.<random>.tmp} beside the
 * target, named after the process that writes them, so that a later save can tell the leftovers of
 * a crashed save from a file that another process is writing right now.
 */
final class CheckpointFileTemps {
    private static final String SUFFIX = ".tmp";
    private static final Duration REUSE_MARGIN = Duration.ofSeconds(5);

    private CheckpointFileTemps() {
    }

    /** A new, empty temporary file for {@code target}, in its directory. */
    static Path create(Path target) throws IOException {
        return Files.createTempFile(target.getParent(), prefix(target) + ProcessHandle.current().pid() + ".", SUFFIX);
    }

    /**
     * Deletes the temporary files of {@code target} whose writer is gone: no process with the PID in
     * the name is running, or the one that is started after the file was last written (its PID was
     * reused), so it cannot be the writer. A file whose writer still runs is left alone however old
     * it is: a slow save of a large model, or a process stopped and resumed, still renames it.
     * Age alone would be a guess either way: a crashed save's file must go at the next save (a
     * training run restarted at once would otherwise leave one per crash), and a live one must stay.
     * A directory shared by several machines that save the same target at once is not supported
     * (their renames would replace each other's checkpoints anyway): there a PID names a process of
     * another machine, and deleting its file makes that save fail, loudly, with its target intact.
     * Nothing here makes the save fail: a file that cannot be read or deleted is left as it was.
     */
    static void deleteStale(Path target) {
        String prefix = prefix(target);
        try (DirectoryStream<Path> files = Files.newDirectoryStream(target.getParent(), prefix + "*" + SUFFIX)) {
            for (Path f : files) {
                long pid = pid(f.getFileName().toString(), prefix);
                if (pid > 0 && writerGone(pid, Files.getLastModifiedTime(f))) {
                    Files.deleteIfExists(f);
                }
            }
        } catch (IOException | RuntimeException e) {
            // Best effort: a leftover costs disk space, never a checkpoint.
        }
    }

    private static String prefix(Path target) {
        return "." + target.getFileName() + ".";
    }

    /**
     * The PID in {@code .<name>.<pid>.<random>.tmp}, or -1 when the name has another shape: the
     * temporary file of a target whose name only starts like this one's ({@code name.1} for
     * {@code name}), or one written before temporary files carried a PID.
     */
    static long pid(String fileName, String prefix) {
        String middle = fileName.substring(prefix.length(), fileName.length() - SUFFIX.length());
        int dot = middle.indexOf('.');
        if (dot <= 0 || dot > 10 || middle.indexOf('.', dot + 1) >= 0 || dot == middle.length() - 1) {
            return -1;
        }
        for (int i = 0; i < dot; i++) {
            if (middle.charAt(i) < '0' || middle.charAt(i) > '9') {
                return -1;
            }
        }
        return Long.parseLong(middle, 0, dot, 10);
    }

    private static boolean writerGone(long pid, FileTime lastWritten) {
        Optional<ProcessHandle> process = ProcessHandle.of(pid);
        if (process.isEmpty() || !process.get().isAlive()) {
            return true;
        }
        // Where the start time is unknown, a running process with this PID counts as the writer. The
        // margin covers how roughly start times are known (Linux derives them from a boot time in
        // whole seconds): a writer that saves right after it starts must not look like a newcomer.
        Optional<Instant> started = process.get().info().startInstant();
        return started.isPresent() && started.get().isAfter(lastWritten.toInstant().plus(REUSE_MARGIN));
    }
}
