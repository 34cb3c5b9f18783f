package dev.stride.onnx;

import java.io.IOException;

/**
 * An ONNX file that cannot be read: truncated, corrupt, or holding what this reader does not
 * decode. The message names the file and, for a broken encoding, the byte offset where reading
 * stopped.
 */
public final class OnnxFormatException extends IOException {
    /**
     * An exception with this message.
     *
     * @param message names the file and what is wrong
     */
    public OnnxFormatException(String message) {
        super(message);
    }
}
