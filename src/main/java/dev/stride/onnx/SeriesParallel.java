package dev.stride.onnx;

import dev.stride.blas.Gemm;
import dev.stride.nn.Concat;
import dev.stride.nn.Conv2d;
import dev.stride.nn.GlobalAvgPool;
import dev.stride.nn.Layer;
import dev.stride.nn.Relu;
import dev.stride.nn.Residual;
import dev.stride.nn.Sequential;
import dev.stride.nn.Sigmoid;
import dev.stride.nn.SqueezeExcitation;
import dev.stride.onnx.OnnxGraphConverter.Kind;
import dev.stride.onnx.OnnxGraphConverter.Step;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns a converted graph, a DAG, into Stride's tree. Walking back from the output, a layer
 * extends the chain it ends; a join (Add, Concat) starts where its branches forked, which is the
 * join's immediate dominator (the last value every path from the input passes through), and each
 * branch is the chain from the fork to one of the join's inputs. A chain becomes a
 * {@link Sequential}, an Add a {@link Residual} (the first non-identity input the main path, the
 * other the shortcut), a Concat a {@link Concat}, a Mul gating the fork's value a
 * {@link SqueezeExcitation}. A graph that is not series-parallel would need a
 * node in two branches; that is refused, never computed twice.
 */
final class SeriesParallel {
    private final String source;
    private final Gemm gemm;                                       // for the layers the joins make
    private final Map<String, Step> producers;
    private final Map<String, Integer> index = new HashMap<>();    // value -> topological position
    private final List<BitSet> dominators = new ArrayList<>();     // by position: the values every path passes through
    private final Map<Step, Boolean> used = new IdentityHashMap<>();
    private final Map<Layer, Map<String, float[]>> weights = new IdentityHashMap<>();

    SeriesParallel(String source, String input, Map<String, Step> producers, Gemm gemm) {
        this.source = source;
        this.gemm = gemm;
        this.producers = producers;
        index.put(input, 0);
        BitSet self = new BitSet();
        self.set(0);
        dominators.add(self);
        for (Step s : producers.values()) {
            BitSet d = null;
            for (String in : s.inputs()) {
                BitSet p = dominators.get(index.get(in));
                if (d == null) {
                    d = (BitSet) p.clone();
                } else {
                    d.and(p);
                }
            }
            int at = dominators.size();
            d.set(at);
            index.put(s.output(), at);
            dominators.add(d);
        }
    }

    /** The model computing {@code output} from the input: a Sequential at the root. */
    Sequential tree(String input, String output) {
        return new Sequential(chain(input, output));
    }

    /** The imported values of the tree's layers: parameters and buffers by local name. */
    Map<Layer, Map<String, float[]>> weights() {
        return weights;
    }

    // The layers computing `to` from `from`, in running order; empty when to == from.
    private List<Layer> chain(String from, String to) {
        List<Layer> reversed = new ArrayList<>();
        String v = to;
        while (!v.equals(from)) {
            Step s = producers.get(v);
            if (s == null) {
                throw new OnnxImportException(source + ": value '" + v + "' is reached from the input without passing '"
                        + from + "', where its branch forked: the graph is not made of chains, forks and joins");
            }
            if (used.put(s, true) != null) {
                throw new OnnxImportException(source + ": " + s.node().label() + " belongs to two branches of the graph "
                        + "(it is not made of chains, forks and joins), so Stride cannot make it a tree of layers");
            }
            if (s.kind() == Kind.LAYER) {
                if (!s.weights().isEmpty()) {
                    weights.put(s.layer(), s.weights());
                }
                reversed.add(s.layer());
                v = s.inputs().getFirst();
            } else {
                String fork = fork(s);
                reversed.add(join(s, fork));
                v = fork;
            }
        }
        Collections.reverse(reversed);
        return reversed;
    }

    private String fork(Step join) {
        BitSet d = (BitSet) dominators.get(index.get(join.output())).clone();
        d.clear(index.get(join.output()));
        int at = d.previousSetBit(d.length());
        for (Map.Entry<String, Integer> e : index.entrySet()) {
            if (e.getValue() == at) {
                return e.getKey();
            }
        }
        throw new IllegalStateException("no value at position " + at);
    }

    private Layer join(Step s, String fork) {
        List<List<Layer>> branches = new ArrayList<>();
        for (String in : s.inputs()) {
            branches.add(chain(fork, in));
        }
        if (s.kind() == Kind.MUL) {
            return gate(s, branches.get(0), branches.get(1));
        }
        if (s.kind() == Kind.ADD) {
            List<Layer> main = branches.get(0), other = branches.get(1);
            if (main.isEmpty()) {
                main = other;
                other = List.of();
            }
            if (main.isEmpty()) {
                throw new OnnxImportException(source + ": " + s.node().label() + " adds a value to itself; Stride has no layer for 2x");
            }
            return new Residual(main, other.isEmpty() ? null : one(other));
        }
        List<Layer> joined = new ArrayList<>();
        for (List<Layer> b : branches) {
            if (b.isEmpty()) {
                throw new OnnxImportException(source + ": " + s.node().label() + " concatenates the fork's value itself "
                        + "(a branch without layers), which Stride's Concat cannot express");
            }
            joined.add(one(b));
        }
        return Concat.of(joined.toArray(Layer[]::new));
    }

    /**
     * x * s where s = sigmoid(conv1x1(relu(conv1x1(mean over H, W of x)))), torchvision's
     * SqueezeExcitation: the 1x1 convolutions on [N, C, 1, 1] are SqueezeExcitation's fc1 and fc2.
     */
    private Layer gate(Step s, List<Layer> x, List<Layer> g) {
        boolean se = x.isEmpty() && g.size() == 5 && g.get(0) instanceof GlobalAvgPool && g.get(2) instanceof Relu
                && g.get(4) instanceof Sigmoid && g.get(1) instanceof Conv2d fc1 && g.get(3) instanceof Conv2d fc2
                && pointwise(fc1) && pointwise(fc2) && fc1.spec().outChannels() == fc2.spec().inChannels()
                && fc2.spec().outChannels() == fc1.spec().inChannels();
        if (!se) {
            throw new OnnxImportException(source + ": " + s.node().label() + " multiplies by a gate Stride cannot express: "
                    + "it imports Mul only as squeeze-and-excitation, x * sigmoid(conv1x1(relu(conv1x1(mean of x)))) "
                    + "(torchvision.ops.SqueezeExcitation)");
        }
        Conv2d fc1 = (Conv2d) g.get(1), fc2 = (Conv2d) g.get(3);
        SqueezeExcitation block = new SqueezeExcitation(fc1.spec().inChannels(), fc1.spec().outChannels(), gemm);
        // The 1x1 filters [out, in, 1, 1] are the fully connected weights [out, in] as they lie.
        weights.put(block.children().get("fc1"), weights.remove(fc1));
        weights.put(block.children().get("fc2"), weights.remove(fc2));
        return block;
    }

    private static boolean pointwise(Conv2d c) {
        var spec = c.spec();
        return spec.kernelH() == 1 && spec.kernelW() == 1 && spec.stride() == 1 && spec.padding() == 0 && spec.groups() == 1
                && spec.bias();
    }

    private static Layer one(List<Layer> layers) {
        return layers.size() == 1 ? layers.getFirst() : new Sequential(layers);
    }
}
