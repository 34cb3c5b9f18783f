package dev.stride.onnx;

import dev.stride.data.Normalization;
import dev.stride.nn.Layer;
import dev.stride.tensor.Shape;
import dev.stride.train.Architecture;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Exports a built Stride model as an ONNX model (ModelProto, IR version 8, opset 13 to 17).
 *
 * <p>The graph takes what {@code stride predict} takes: {@code input}, float [N, C, H, W] pixels
 * scaled to [0, 1] (N symbolic), and applies the checkpoint's normalisation as its first two nodes,
 * {@code (input - mean) / std} per channel (Sub, Div with [1, C, 1, 1] initializers), so any ONNX
 * runtime gets Stride's answers from raw pixels. It gives {@code scores}, the model's output (the
 * logits), and, for [N, classes] outputs, {@code probabilities}, their Softmax. The metadata
 * ({@code metadata_props}) hold the normalisation, the input's C,H,W, the Stride architecture line
 * and whatever the caller adds (the class names under {@link #CLASSES_KEY}), so an importer can
 * restore them.
 *
 * <p>The model must be built (its input shape is what the graph takes). Reads the parameters and
 * running statistics only: safe while no other thread trains the model.
 */
public final class OnnxExporter {
    /** Class names, comma-joined with backslash escapes as checkpoints store them. */
    public static final String CLASSES_KEY = "stride.classes";
    /** The input normalisation's means, one per channel, comma-separated. */
    public static final String MEAN_KEY = "stride.norm.mean";
    /** The input normalisation's standard deviations, one per channel, comma-separated. */
    public static final String STD_KEY = "stride.norm.std";
    /** C,H,W of one input sample. */
    public static final String INPUT_KEY = "stride.input";
    /** The model tree as {@link Architecture#encode} writes it. */
    public static final String ARCHITECTURE_KEY = "stride.architecture";

    static final long IR_VERSION = 8;
    static final String INPUT = "input";
    static final String SCORES = "scores";
    static final String PROBABILITIES = "probabilities";

    private OnnxExporter() {
    }

    /**
     * The model as an ONNX file: the normalisation as Sub and Div nodes in front, the layers, and a
     * Softmax output beside the scores for a classifier.
     *
     * @param model    a built model
     * @param norm     the normalisation the model was trained with (one mean and std per input channel)
     * @param metadata extra metadata_props, e.g. {@link #CLASSES_KEY}; may be empty
     * @param options  the opset and whether to fold batch norms
     * @return the exported model
     * @throws IllegalArgumentException naming the layer when a layer has no ONNX mapping, or when the
     *                                  normalisation does not fit the input's channels
     */
    public static OnnxExport export(Layer model, Normalization norm, Map<String, String> metadata, OnnxExportOptions options) {
        Shape in = model.inputShape();
        if (in.rank() < 2 || norm.channels() != in.dim(1)) {
            throw new IllegalArgumentException("the normalisation has " + norm.channels() + " channels but the model takes "
                    + in + "; export with the checkpoint's own normalisation");
        }
        OnnxGraphBuilder g = new OnnxGraphBuilder();
        g.reserve(INPUT);
        long[] channelDims = new long[in.rank()];
        Arrays.fill(channelDims, 1);
        channelDims[1] = in.dim(1);
        String x = g.node("Sub", "normalization.sub", List.of(INPUT, g.floats("normalization.mean", channelDims, norm.mean())));
        x = g.node("Div", "normalization.div", List.of(x, g.floats("normalization.std", channelDims, norm.std())));
        String y = new ExportLayers(g, options.foldBatchNorm()).map(model, x);
        g.output(y, SCORES);
        Shape out = model.outputShape();
        List<ProtoWriter> outputs = new ArrayList<>(List.of(valueInfo(SCORES, out)));
        if (out.rank() == 2) {
            g.output(g.node("Softmax", "softmax", List.of(SCORES), ExportAttribute.of("axis", 1L)), PROBABILITIES);
            outputs.add(valueInfo(PROBABILITIES, out));
        }
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put(MEAN_KEY, norm.meanText());
        meta.put(STD_KEY, norm.stdText());
        meta.put(INPUT_KEY, join(in.dims(), 1));
        meta.put(ARCHITECTURE_KEY, Architecture.encode(model));
        meta.putAll(metadata);
        ProtoWriter proto = new ProtoWriter()
                .varint(1, IR_VERSION)
                .string(2, "Stride")
                .string(3, "0.1.0")
                .message(7, g.encode("stride", List.of(valueInfo(INPUT, in)), outputs))
                .message(8, new ProtoWriter().string(1, "").varint(2, options.opset()));
        meta.forEach((k, v) -> proto.message(14, new ProtoWriter().string(1, k).string(2, v)));
        return new OnnxExport(proto.toByteArray(), g.opTypes());
    }

    /** ValueInfoProto (name 1, type 2) of a float tensor whose first dimension is the symbolic batch "N". */
    private static ProtoWriter valueInfo(String name, Shape shape) {
        ProtoWriter dims = new ProtoWriter().message(1, new ProtoWriter().string(2, "N"));
        for (int i = 1; i < shape.rank(); i++) {
            dims.message(1, new ProtoWriter().varint(1, shape.dim(i)));
        }
        // TypeProto.tensor_type 1 -> Tensor: elem_type 1 (FLOAT), shape 2
        ProtoWriter tensor = new ProtoWriter().varint(1, 1).message(2, dims);
        return new ProtoWriter().string(1, name).message(2, new ProtoWriter().message(1, tensor));
    }

    private static String join(int[] values, int from) {
        StringBuilder sb = new StringBuilder();
        for (int i = from; i < values.length; i++) {
            sb.append(i > from ? "," : "").append(values[i]);
        }
        return sb.toString();
    }
}
