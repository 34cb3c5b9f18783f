package dev.stride.onnx;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * An exported model: the ModelProto's bytes and, for checks and messages, the operator types of its
 * nodes in running order.
 */
public record OnnxExport(byte[] bytes, List<String> operators) {
    public OnnxExport {
        operators = List.copyOf(operators);
    }

    /** Writes the file through a temporary file beside it, so a reader never sees half a model. */
    public void write(Path file) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Path tmp = Files.createTempFile(dir, file.getFileName().toString(), ".tmp");
        try {
            Files.write(tmp, bytes);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
