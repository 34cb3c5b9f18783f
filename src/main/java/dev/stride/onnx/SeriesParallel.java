package dev.stride.onnx;

import dev.stride.nn.Concat;
import dev.stride.nn.Layer;
import dev.stride.nn.Residual;
import dev.stride.nn.Sequential;
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
 * other the shortcut), a Concat a {@link Concat}. A graph that is not series-parallel would need a
 * node in two branches; that is refused, never computed twice.
 */
final class SeriesParallel {
    private final String source;
    private final Map<String, Step> producers;
    private final Map<String, Integer> index = new HashMap<>();    // value -> topological position
    private final List<BitSet> dominators = new ArrayList<>();     // by position: the values every path passes through
    private final Map<Step, Boolean> used = new IdentityHashMap<>();
    private final Map<Layer, Step> origin = new IdentityHashMap<>();

    SeriesParallel(String source, String input, Map<String, Step> producers) {
        this.source = source;
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

    /** Which step each layer of the last tree came from (for its weights and for errors). */
    Map<Layer, Step> origins() {
        return origin;
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
                origin.put(s.layer(), s);
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

    private static Layer one(List<Layer> layers) {
        return layers.size() == 1 ? layers.getFirst() : new Sequential(layers);
    }
}
