package dev.stride.onnx;

import java.util.List;

/** A graph: nodes in the order the file lists them, its constant tensors, its inputs and outputs. */
public record OnnxGraph(String name, List<OnnxNode> nodes, List<OnnxTensor> initializers,
                        List<OnnxValueInfo> inputs, List<OnnxValueInfo> outputs) {
    public OnnxGraph {
        nodes = List.copyOf(nodes);
        initializers = List.copyOf(initializers);
        inputs = List.copyOf(inputs);
        outputs = List.copyOf(outputs);
    }
}
