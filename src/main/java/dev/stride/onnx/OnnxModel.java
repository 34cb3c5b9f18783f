package dev.stride.onnx;

import java.util.List;
import java.util.Map;

/**
 * An ONNX model as {@link OnnxReader} decodes it: the parts of onnx.proto's ModelProto an importer
 * of CNNs needs.
 *
 * @param opsets   the operator sets imported, e.g. ("", 13) for the default domain at opset 13
 * @param metadata metadata_props, in file order
 * @param irVersion the ONNX IR version the file was written in
 * @param producer the producer's name, e.g. {@code pytorch}
 * @param graph the graph
 */
public record OnnxModel(long irVersion, String producer, List<Opset> opsets, OnnxGraph graph, Map<String, String> metadata) {
    /** Copies the opset list. */
    public OnnxModel {
        opsets = List.copyOf(opsets);
    }

    /**
     * An imported operator set: a domain ("" or "ai.onnx" for the standard operators) and its version.
     *
     * @param domain the operator domain
     * @param version the operator set's version
     */
    public record Opset(String domain, long version) {
    }

    /**
     * The version of the standard operator set; -1 when the model imports none.
     *
     * @return the opset version, or -1
     */
    public long defaultOpset() {
        for (Opset o : opsets) {
            if (o.domain().isEmpty() || o.domain().equals("ai.onnx")) {
                return o.version();
            }
        }
        return -1;
    }
}
