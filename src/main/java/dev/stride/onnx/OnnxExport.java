package dev.stride.onnx;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * An exported model: the ModelProto's bytes and, for checks and messages, the operator types of its
 * nodes in running order.
 *
 * @param bytes the serialised ModelProto
 * @param operators the node types, e.g. [Sub, Div, Conv, Relu, ...]
 */
public record OnnxExport(byte[] bytes, List<String> operators) {
    /** Copies the operator list. */
    public OnnxExport {
        operators = List.copyOf(operators);
    }

    /**
     * Writes the file through a temporary file beside it, so a reader never sees half a model; the
     * file gets the permissions the umask gives new files (createTempFile's would be owner-only).
     *
     * @param file where to write; replaced if it exists
     * @throws IOException when writing fails; the temporary file is then removed
     */
    public void write(Path file) throws IOException {
        Path target = file.toAbsolutePath();
        Path tmp = target.resolveSibling("." + target.getFileName() + ".tmp-" + ProcessHandle.current().pid() + "-" + System.nanoTime());
        try {
            Files.write(tmp, bytes, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
