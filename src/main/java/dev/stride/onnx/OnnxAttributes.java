package dev.stride.onnx;

import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A node's attributes as the importer reads them. Every read marks the attribute as understood;
 * {@link #unread()} lists the rest, so an attribute the importer does not know (and so cannot
 * honour) is reported instead of ignored.
 */
final class OnnxAttributes {
    private final OnnxNode node;
    private final Set<String> read = new HashSet<>();

    OnnxAttributes(OnnxNode node) {
        this.node = node;
    }

    long i(String name, long absent) {
        OnnxAttribute a = get(name);
        return a == null ? absent : a.i();
    }

    float f(String name, float absent) {
        OnnxAttribute a = get(name);
        return a == null ? absent : a.f();
    }

    String s(String name, String absent) {
        OnnxAttribute a = get(name);
        return a == null ? absent : a.s();
    }

    long[] ints(String name, long... absent) {
        OnnxAttribute a = get(name);
        return a == null ? absent : a.ints();
    }

    OnnxTensor t(String name) {
        OnnxAttribute a = get(name);
        return a == null ? null : a.t();
    }

    boolean has(String name) {
        return node.attribute(name) != null;
    }

    private OnnxAttribute get(String name) {
        read.add(name);
        return node.attribute(name);
    }

    /** The attributes no read asked for, e.g. "foo=3". */
    List<String> unread() {
        return node.attributes().stream().filter(a -> !read.contains(a.name())).map(OnnxAttributes::text).toList();
    }

    static String text(OnnxAttribute a) {
        return a.name() + "=" + switch (a.type()) {
            case OnnxAttribute.FLOAT -> Float.toString(a.f());
            case OnnxAttribute.INT -> Long.toString(a.i());
            case OnnxAttribute.STRING -> a.s();
            case OnnxAttribute.INTS -> Arrays.toString(a.ints());
            case OnnxAttribute.FLOATS -> Arrays.toString(a.floats());
            default -> "(type " + a.type() + ")";
        };
    }
}
