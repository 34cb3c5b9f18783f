package dev.stride.train;

import java.io.IOException;
import java.nio.file.Path;

/** A checkpoint file that cannot be read: wrong magic, newer format, truncated, corrupt. The message names the file. */
public class CheckpointException extends IOException {

    /**
     * An exception whose message names the file and the problem.
     *
     * @param file the checkpoint file
     * @param problem what is wrong with it
     */
    public CheckpointException(Path file, String problem) {
        super("checkpoint " + file + ": " + problem);
    }
}
