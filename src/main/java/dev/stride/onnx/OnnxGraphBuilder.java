package dev.stride.onnx;

import dev.stride.tensor.Tensor;

import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An ONNX graph being put together: nodes in running order and the initializers (weights and
 * constants) they read, then encoded as a GraphProto. Node and value names are the Stride paths
 * ({@code layer1.0.conv1}), initializers the parameter names ({@code layer1.0.conv1.weight}), so
 * they line up with PyTorch's {@code state_dict}; a name is never given twice. Not thread-safe:
 * one builder per export.
 */
public final class OnnxGraphBuilder {
    /** TensorProto.DataType numbers. */
    private static final int FLOAT = 1;
    private static final int INT64 = 7;

    private record Node(String name, String op, List<String> inputs, String output, List<ExportAttribute> attributes) {
    }

    private record Initializer(String name, int dataType, long[] dims, byte[] raw) {
    }

    private final List<Node> nodes = new ArrayList<>();
    private final Map<String, Initializer> initializers = new LinkedHashMap<>();
    private final Map<String, Integer> used = new LinkedHashMap<>(); // value names given so far, with how often asked for

    /** An empty graph. */
    public OnnxGraphBuilder() {
    }

    /**
     * Adds a node with one output and returns the output's name: {@code name} itself, or
     * {@code name_2}, {@code name_3} ... when it is taken. An empty input name is an omitted optional input.
     *
     * @param op the operator type, e.g. {@code Conv}
     * @param name the wanted node and output name; empty for the operator type
     * @param inputs the input value names
     * @param attributes the node's attributes
     * @return the output's name
     */
    public String node(String op, String name, List<String> inputs, ExportAttribute... attributes) {
        String unique = fresh(name.isEmpty() ? op : name);
        nodes.add(new Node(unique, op, List.copyOf(inputs), unique, List.of(attributes)));
        return unique;
    }

    /**
     * A float32 initializer holding {@code values}, shaped {@code dims}.
     *
     * @param name the initializer's name
     * @param dims its shape
     * @param values as many floats as the shape holds
     * @return the initializer's name
     */
    public String floats(String name, long[] dims, float[] values) {
        checkCount(name, dims, values.length);
        ByteBuffer raw = ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        raw.asFloatBuffer().put(values);
        return add(new Initializer(name, FLOAT, dims.clone(), raw.array()));
    }

    /**
     * A float32 initializer holding a Stride tensor's values, shaped {@code dims} (the tensor's, or a reshape
     * of it).
     *
     * @param name the initializer's name
     * @param dims its shape
     * @param t a tensor with as many elements as the shape holds
     * @return the initializer's name
     */
    public String floats(String name, long[] dims, Tensor t) {
        float[] values = t.segment().asSlice(t.offset() * Float.BYTES, t.size() * Float.BYTES).toArray(ValueLayout.JAVA_FLOAT);
        return floats(name, dims, values);
    }

    /**
     * A 1-D int64 initializer (shapes, axes, pads), shared by every node that asks for the same name and
     * values.
     *
     * @param name the initializer's name
     * @param values its values
     * @return the initializer's name
     */
    public String int64s(String name, long... values) {
        ByteBuffer raw = ByteBuffer.allocate(values.length * Long.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        raw.asLongBuffer().put(values);
        return add(new Initializer(name, INT64, new long[] {values.length}, raw.array()));
    }

    /**
     * A scalar float initializer (Clip's bounds), shared by every node that asks for the same name and value.
     *
     * @param name the initializer's name
     * @param value its value
     * @return the initializer's name
     */
    public String scalar(String name, float value) {
        ByteBuffer raw = ByteBuffer.allocate(Float.BYTES).order(ByteOrder.LITTLE_ENDIAN).putFloat(value);
        return add(new Initializer(name, FLOAT, new long[0], raw.array()));
    }

    /**
     * The operator types in running order, e.g. [Sub, Div, Conv, Relu, ...].
     *
     * @return the types, one per node
     */
    public List<String> opTypes() {
        return nodes.stream().map(Node::op).toList();
    }

    /**
     * Renames value {@code from}, the output of the last node, to {@code to} (the graph's output
     * name), or adds an Identity when {@code from} is not the last node's output (the graph input).
     *
     * @param from the value to rename
     * @param to the graph output's name
     * @return {@code to}
     */
    public String output(String from, String to) {
        if (!nodes.isEmpty() && nodes.getLast().output().equals(from) && !used.containsKey(to)) {
            Node last = nodes.removeLast();
            nodes.add(new Node(last.name(), last.op(), last.inputs(), to, last.attributes()));
            used.put(to, 1);
            return to;
        }
        nodes.add(new Node(fresh(to), "Identity", List.of(from), to, List.of()));
        used.put(to, 1);
        return to;
    }

    /**
     * Reserves a value name that no node produces (the graph input).
     *
     * @param name the value's name
     */
    public void reserve(String name) {
        if (used.putIfAbsent(name, 1) != null) {
            throw new IllegalStateException("ONNX value name '" + name + "' is taken");
        }
    }

    /** GraphProto: node 1, name 2, initializer 5, input 11, output 12. */
    ProtoWriter encode(String graphName, List<ProtoWriter> inputs, List<ProtoWriter> outputs) {
        ProtoWriter g = new ProtoWriter();
        for (Node n : nodes) {
            ProtoWriter p = new ProtoWriter();
            for (String in : n.inputs()) {
                p.string(1, in);
            }
            p.string(2, n.output()).string(3, n.name()).string(4, n.op());
            for (ExportAttribute a : n.attributes()) {
                p.message(5, a.encode());
            }
            g.message(1, p);
        }
        g.string(2, graphName);
        for (Initializer t : initializers.values()) {
            // TensorProto: dims 1, data_type 2, name 8, raw_data 9 (little-endian)
            g.message(5, new ProtoWriter().packedVarints(1, t.dims()).varint(2, t.dataType()).string(8, t.name()).bytes(9, t.raw()));
        }
        for (ProtoWriter in : inputs) {
            g.message(11, in);
        }
        for (ProtoWriter out : outputs) {
            g.message(12, out);
        }
        return g;
    }

    private String add(Initializer t) {
        Initializer had = initializers.get(t.name());
        if (had != null) {
            if (had.dataType() == t.dataType() && Arrays.equals(had.dims(), t.dims()) && Arrays.equals(had.raw(), t.raw())) {
                return t.name();
            }
            throw new IllegalStateException("two different ONNX initializers named '" + t.name() + "'");
        }
        if (used.containsKey(t.name())) {
            throw new IllegalStateException("ONNX initializer name '" + t.name() + "' is taken by a node's output");
        }
        used.put(t.name(), 1);
        initializers.put(t.name(), t);
        return t.name();
    }

    private String fresh(String name) {
        Integer seen = used.get(name);
        if (seen == null) {
            used.put(name, 1);
            return name;
        }
        int k = seen;
        String candidate;
        do {
            k++;
            candidate = name + "_" + k;
        } while (used.containsKey(candidate));
        used.put(name, k);
        used.put(candidate, 1);
        return candidate;
    }

    private static void checkCount(String name, long[] dims, long count) {
        long product = 1;
        for (long d : dims) {
            product *= d;
        }
        if (product != count) {
            throw new IllegalArgumentException("ONNX initializer '" + name + "': shape " + Arrays.toString(dims)
                    + " holds " + product + " values, got " + count);
        }
    }
}
