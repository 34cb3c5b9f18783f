package dev.stride.onnx;

import java.util.List;

/**
 * A graph: nodes in the order the file lists them, its constant tensors, its inputs and outputs.
 *
 * @param name the graph's name
 * @param nodes the nodes, in file order
 * @param initializers the constant tensors (weights)
 * @param inputs the graph's inputs, initializers listed as inputs included
 * @param outputs the graph's outputs
 */
public record OnnxGraph(String name, List<OnnxNode> nodes, List<OnnxTensor> initializers,
                        List<OnnxValueInfo> inputs, List<OnnxValueInfo> outputs) {
    /** Copies the lists. */
    public OnnxGraph {
        nodes = List.copyOf(nodes);
        initializers = List.copyOf(initializers);
        inputs = List.copyOf(inputs);
        outputs = List.copyOf(outputs);
    }
}
