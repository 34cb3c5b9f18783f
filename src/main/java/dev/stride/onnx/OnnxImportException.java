package dev.stride.onnx;

/**
 * A readable ONNX graph that Stride cannot turn into its layers: unsupported operators or
 * attributes, a structure that is not a tree of chains, forks and joins, weights of the wrong
 * shape. The message names the file and lists every node at fault.
 */
public final class OnnxImportException extends IllegalArgumentException {
    /**
     * An exception with this message.
     *
     * @param message names the file and every node at fault
     */
    public OnnxImportException(String message) {
        super(message);
    }
}
