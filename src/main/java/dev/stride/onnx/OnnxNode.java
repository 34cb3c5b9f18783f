package dev.stride.onnx;

import java.util.List;

/**
 * One node of an ONNX graph: an operator applied to named values, giving named values. An empty
 * input name stands for an optional input that is left out.
 *
 * @param name the node's name; may be empty
 * @param opType the operator, e.g. {@code Conv}
 * @param domain the operator's domain; empty for the standard operators
 * @param inputs the input value names
 * @param outputs the output value names
 * @param attributes the attributes
 */
public record OnnxNode(String name, String opType, String domain, List<String> inputs, List<String> outputs,
                       List<OnnxAttribute> attributes) {
    /** Copies the lists. */
    public OnnxNode {
        inputs = List.copyOf(inputs);
        outputs = List.copyOf(outputs);
        attributes = List.copyOf(attributes);
    }

    /**
     * The attribute {@code name}, or null.
     *
     * @param name the attribute's name
     * @return the attribute
     */
    public OnnxAttribute attribute(String name) {
        for (OnnxAttribute a : attributes) {
            if (a.name().equals(name)) {
                return a;
            }
        }
        return null;
    }

    /**
     * How errors name the node: "Conv node '/features/0/Conv'" (or its first output when it has no name).
     *
     * @return the label
     */
    public String label() {
        return opType + " node '" + (name.isEmpty() && !outputs.isEmpty() ? outputs.getFirst() : name) + "'";
    }
}
