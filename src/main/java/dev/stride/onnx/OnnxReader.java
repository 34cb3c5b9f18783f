package dev.stride.onnx;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Decodes an ONNX file into {@link OnnxModel}: the fields of ModelProto, GraphProto, NodeProto,
 * AttributeProto, TensorProto and ValueInfoProto that importing a CNN needs, with the field
 * numbers of the official onnx.proto. Unknown fields are skipped, whatever their wire type, so
 * files from newer writers read; repeated numbers may be packed or not.
 */
public final class OnnxReader {
    /** Larger files hold external data or are not CNNs Stride imports; the array must fit a Java array. */
    private static final long MAX_FILE_BYTES = Integer.MAX_VALUE - 16;

    private OnnxReader() {
    }

    /**
     * Reads and decodes an ONNX file.
     *
     * @param file the ONNX file, at most 2 GB (external weight data is not read)
     * @return the decoded model
     * @throws IOException when the file cannot be read, or an {@link OnnxFormatException} when it cannot be
     *     decoded
     */
    public static OnnxModel read(Path file) throws IOException {
        long size = Files.size(file);
        if (size > MAX_FILE_BYTES) {
            throw new OnnxFormatException(file + ": " + size + " bytes; Stride reads ONNX files of up to 2 GB "
                    + "(larger models keep their weights as external data, which it does not read)");
        }
        return parse(file.toString(), Files.readAllBytes(file));
    }

    /**
     * Decodes {@code data}; {@code source} names it in errors (a file name).
     *
     * @param source the name for messages
     * @param data the file's bytes
     * @return the decoded model
     * @throws OnnxFormatException naming the source and the byte offset where decoding stopped
     */
    public static OnnxModel parse(String source, byte[] data) throws OnnxFormatException {
        ProtoReader r = new ProtoReader(source, data);
        long ir = 0;
        String producer = "";
        List<OnnxModel.Opset> opsets = new ArrayList<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        OnnxGraph graph = null;
        while (r.next()) {
            switch (r.field()) {
                case 1 -> ir = varint(r);
                case 2 -> producer = string(r);
                case 7 -> graph = graph(r.message());
                case 8 -> opsets.add(opset(r.message()));
                case 14 -> {
                    String[] kv = entry(r.message());
                    metadata.put(kv[0], kv[1]);
                }
                default -> r.skip();
            }
        }
        if (graph == null) {
            throw new OnnxFormatException(source + ": holds no graph (" + data.length + " bytes read): not an ONNX model, "
                    + "or a truncated one");
        }
        return new OnnxModel(ir, producer, opsets, graph, metadata);
    }

    private static OnnxModel.Opset opset(ProtoReader r) throws OnnxFormatException {
        String domain = "";
        long version = 0;
        while (r.next()) {
            switch (r.field()) {
                case 1 -> domain = string(r);
                case 2 -> version = varint(r);
                default -> r.skip();
            }
        }
        return new OnnxModel.Opset(domain, version);
    }

    private static String[] entry(ProtoReader r) throws OnnxFormatException {
        String[] kv = {"", ""};
        while (r.next()) {
            switch (r.field()) {
                case 1 -> kv[0] = string(r);
                case 2 -> kv[1] = string(r);
                default -> r.skip();
            }
        }
        return kv;
    }

    private static OnnxGraph graph(ProtoReader r) throws OnnxFormatException {
        String name = "";
        List<OnnxNode> nodes = new ArrayList<>();
        List<OnnxTensor> initializers = new ArrayList<>();
        List<OnnxValueInfo> inputs = new ArrayList<>();
        List<OnnxValueInfo> outputs = new ArrayList<>();
        while (r.next()) {
            switch (r.field()) {
                case 1 -> nodes.add(node(r.message()));
                case 2 -> name = string(r);
                case 5 -> initializers.add(tensor(r.message()));
                case 11 -> inputs.add(valueInfo(r.message()));
                case 12 -> outputs.add(valueInfo(r.message()));
                default -> r.skip();
            }
        }
        return new OnnxGraph(name, nodes, initializers, inputs, outputs);
    }

    private static OnnxNode node(ProtoReader r) throws OnnxFormatException {
        List<String> inputs = new ArrayList<>();
        List<String> outputs = new ArrayList<>();
        List<OnnxAttribute> attributes = new ArrayList<>();
        String name = "";
        String op = "";
        String domain = "";
        while (r.next()) {
            switch (r.field()) {
                case 1 -> inputs.add(string(r));
                case 2 -> outputs.add(string(r));
                case 3 -> name = string(r);
                case 4 -> op = string(r);
                case 5 -> attributes.add(attribute(r.message()));
                case 7 -> domain = string(r);
                default -> r.skip();
            }
        }
        return new OnnxNode(name, op, domain, inputs, outputs, attributes);
    }

    private static OnnxAttribute attribute(ProtoReader r) throws OnnxFormatException {
        String name = "";
        int type = 0;
        float f = 0;
        long i = 0;
        String s = "";
        OnnxTensor t = null;
        float[][] floats = {new float[0]};
        int nf = 0;
        long[][] ints = {new long[0]};
        int ni = 0;
        while (r.next()) {
            switch (r.field()) {
                case 1 -> name = string(r);
                case 2 -> {
                    r.expect(ProtoReader.FIXED32, "a float");
                    f = Float.intBitsToFloat(r.fixed32());
                }
                case 3 -> i = varint(r);
                case 4 -> s = string(r);
                case 5 -> t = tensor(r.message());
                case 7 -> nf = r.floats(floats, nf);
                case 8 -> ni = r.varints(ints, ni);
                case 20 -> type = (int) varint(r);
                default -> r.skip();
            }
        }
        return new OnnxAttribute(name, type, f, i, s, t, Arrays.copyOf(floats[0], nf), Arrays.copyOf(ints[0], ni));
    }

    private static OnnxValueInfo valueInfo(ProtoReader r) throws OnnxFormatException {
        String name = "";
        int[] elemType = {0};
        List<OnnxValueInfo.Dim> dims = new ArrayList<>();
        while (r.next()) {
            switch (r.field()) {
                case 1 -> name = string(r);
                case 2 -> typeProto(r.message(), elemType, dims);
                default -> r.skip();
            }
        }
        return new OnnxValueInfo(name, elemType[0], dims);
    }

    // TypeProto { Tensor tensor_type = 1 } -> Tensor { elem_type = 1, TensorShapeProto shape = 2 }
    // -> TensorShapeProto { repeated Dimension dim = 1 } -> Dimension { dim_value = 1, dim_param = 2 }.
    private static void typeProto(ProtoReader r, int[] elemType, List<OnnxValueInfo.Dim> dims) throws OnnxFormatException {
        while (r.next()) {
            if (r.field() != 1) {
                r.skip();
                continue;
            }
            ProtoReader tensorType = r.message();
            while (tensorType.next()) {
                switch (tensorType.field()) {
                    case 1 -> elemType[0] = (int) varint(tensorType);
                    case 2 -> {
                        ProtoReader shape = tensorType.message();
                        while (shape.next()) {
                            if (shape.field() == 1) {
                                dims.add(dim(shape.message()));
                            } else {
                                shape.skip();
                            }
                        }
                    }
                    default -> tensorType.skip();
                }
            }
        }
    }

    private static OnnxValueInfo.Dim dim(ProtoReader r) throws OnnxFormatException {
        long value = -1;
        String symbol = "";
        while (r.next()) {
            switch (r.field()) {
                case 1 -> value = varint(r);
                case 2 -> symbol = string(r);
                default -> r.skip();
            }
        }
        return new OnnxValueInfo.Dim(value, symbol);
    }

    static OnnxTensor tensor(ProtoReader r) throws OnnxFormatException {
        return OnnxTensorDecoder.decode(r);
    }

    static long varint(ProtoReader r) throws OnnxFormatException {
        r.expect(ProtoReader.VARINT, "an integer");
        return r.varint();
    }

    static String string(ProtoReader r) throws OnnxFormatException {
        return r.string();
    }
}
