package dev.stride.train;

import dev.stride.blas.Gemm;
import dev.stride.nn.AdaptiveAvgPool2d;
import dev.stride.nn.AvgPool2d;
import dev.stride.nn.BatchNorm1d;
import dev.stride.nn.BasicBlock;
import dev.stride.nn.BatchNorm2d;
import dev.stride.nn.Bottleneck;
import dev.stride.nn.ChannelPadShortcut;
import dev.stride.nn.Concat;
import dev.stride.nn.Conv2d;
import dev.stride.nn.Conv2dSpec;
import dev.stride.nn.Dropout;
import dev.stride.nn.Elu;
import dev.stride.nn.Flatten;
import dev.stride.nn.InvertedResidual;
import dev.stride.nn.GlobalAvgPool;
import dev.stride.nn.Layer;
import dev.stride.nn.LeakyRelu;
import dev.stride.nn.Linear;
import dev.stride.nn.MaxPool2d;
import dev.stride.nn.Maxout;
import dev.stride.nn.PoolSpec;
import dev.stride.nn.Prelu;
import dev.stride.nn.Relu;
import dev.stride.nn.Relu6;
import dev.stride.nn.Residual;
import dev.stride.nn.Sequential;
import dev.stride.nn.Sigmoid;
import dev.stride.nn.SqueezeExcitation;
import dev.stride.nn.Silu;
import dev.stride.nn.Tanh;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SequencedMap;
import java.util.LinkedHashMap;

/**
 * A model's tree as text, so a checkpoint can rebuild exactly the model it was saved from, a
 * replaced classifier head included: the root's type on the first line, then one line per node,
 * indented two spaces per depth, "name: Type key=value ...":
 *
 * <pre>
 * Sequential
 *   features: Sequential
 *     0: Conv2d in=1 out=6 kh=5 kw=5 stride=1 pad=2 bias=true floor=false
 *     1: Relu
 *     2: Conv2d in=6 out=6 kh=3 kw=3 stride=1 pad=1 bias=false floor=false groups=6
 *     3: Relu6
 *   classifier: Linear in=1176 out=10 bias=true
 * </pre>
 *
 * Format-1 checkpoints held a flat list of leaf lines without names ({@link #decodeFlat}). A plain
 * switch over the layer types: no reflection, no registry.
 */
public final class Architecture {
    private Architecture() {
    }

    /**
     * The tree text of {@code model}.
     *
     * @param model a model, built or not
     * @return one line per layer, children indented below their parent
     */
    public static String encode(Layer model) {
        StringBuilder sb = new StringBuilder();
        sb.append(line(model)).append('\n');
        appendChildren(sb, model, "  ");
        return sb.toString();
    }

    private static void appendChildren(StringBuilder sb, Layer parent, String indent) {
        for (Map.Entry<String, Layer> e : parent.children().entrySet()) {
            sb.append(indent).append(e.getKey()).append(": ").append(line(e.getValue())).append('\n');
            appendChildren(sb, e.getValue(), indent + "  ");
        }
    }

    private static String line(Layer layer) {
        return switch (layer) {
            case Sequential s -> "Sequential";
            case Concat c -> "Concat";
            case Residual r -> "Residual";
            default -> encodeLeaf(layer);
        };
    }

    static String encodeLeaf(Layer layer) {
        return switch (layer) {
            case Conv2d c -> {
                Conv2dSpec s = c.spec();
                // groups= only when there are groups, so one-group lines read as they always have.
                yield String.format(Locale.ROOT, "Conv2d in=%d out=%d kh=%d kw=%d stride=%d pad=%d bias=%b floor=%b",
                        s.inChannels(), s.outChannels(), s.kernelH(), s.kernelW(), s.stride(), s.padding(), s.bias(), s.floor())
                        + (s.groups() == 1 ? "" : " groups=" + s.groups());
            }
            case Linear l -> String.format(Locale.ROOT, "Linear in=%d out=%d bias=%b", l.inFeatures(), l.outFeatures(), l.hasBias());
            case MaxPool2d p -> pool("MaxPool2d", p.spec());
            case AvgPool2d p -> pool("AvgPool2d", p.spec());
            case LeakyRelu l -> "LeakyRelu slope=" + l.slope();
            case Elu e -> "Elu alpha=" + e.alpha();
            case Prelu p -> "Prelu channels=" + p.channels();
            case BatchNorm2d b -> "BatchNorm2d channels=" + b.channels() + " eps=" + b.eps() + " momentum=" + b.momentum();
            case BatchNorm1d b -> "BatchNorm1d channels=" + b.channels() + " eps=" + b.eps() + " momentum=" + b.momentum();
            case Maxout m -> "Maxout k=" + m.k();
            case Dropout d -> "Dropout p=" + d.p() + " seed=" + d.seed();
            case Relu r -> "Relu";
            case Relu6 r -> "Relu6";
            case Sigmoid s -> "Sigmoid";
            case Tanh t -> "Tanh";
            case Silu s -> "Silu";
            case Flatten f -> "Flatten";
            case AdaptiveAvgPool2d a -> "AdaptiveAvgPool2d h=" + a.outH() + " w=" + a.outW();
            case ChannelPadShortcut c -> "ChannelPadShortcut stride=" + c.stride() + " out=" + c.outChannels();
            case SqueezeExcitation se -> "SqueezeExcitation channels=" + se.channels() + " hidden=" + se.hidden();
            case BasicBlock b -> "BasicBlock in=" + b.inChannels() + " out=" + b.outChannels() + " stride=" + b.stride()
                    + " se=" + b.seHidden() + (b.padShortcut() ? " shortcut=pad" : "");
            case Bottleneck b -> "Bottleneck in=" + b.inChannels() + " width=" + b.width() + " stride=" + b.stride();
            case InvertedResidual b -> "InvertedResidual in=" + b.inChannels() + " out=" + b.outChannels() + " stride=" + b.stride()
                    + " expansion=" + b.expansion();
            case GlobalAvgPool g -> "GlobalAvgPool";
            default -> throw new IllegalArgumentException("layer type " + layer.getClass().getName()
                    + " cannot be saved in a checkpoint; Architecture knows the layers in dev.stride.nn");
        };
    }

    private static String pool(String type, PoolSpec s) {
        return String.format(Locale.ROOT, "%s kh=%d kw=%d stride=%d pad=%d floor=%b",
                type, s.kernelH(), s.kernelW(), s.stride(), s.padding(), s.floor()) + (s.ceil() ? " ceil=true" : "");
    }

    /**
     * Rebuilds the (unbuilt) model that {@link #encode} described; GEMM layers use {@code gemm}.
     *
     * @param text what {@link #encode} wrote
     * @param gemm the backend for the layers that multiply matrices
     * @return the model, to be built before use
     * @throws IllegalArgumentException naming the line that cannot be read
     */
    public static Layer decode(String text, Gemm gemm) {
        return build(ArchitectureTree.parse(text), gemm);
    }

    /**
     * A container (Sequential, Concat, Residual) is made from its children's lines. Every other type is made
     * from its own line; a block that makes its own children (a residual block, say) must then have
     * exactly the child lines it would write, so a tree edited by hand cannot drift from the code.
     */
    private static Layer build(ArchitectureTree.Node node, Gemm gemm) {
        SequencedMap<String, Layer> children = new LinkedHashMap<>();
        boolean container = node.typeLine().equals("Sequential") || node.typeLine().equals("Concat")
                || node.typeLine().equals("Residual");
        if (container) {
            for (ArchitectureTree.Node c : node.children()) {
                children.put(c.name(), build(c, gemm));
            }
        }
        try {
            if (container) {
                if (children.size() < (node.typeLine().equals("Concat") ? 2 : 1)) {
                    throw new IllegalArgumentException("a " + node.typeLine() + " needs "
                            + (node.typeLine().equals("Concat") ? "at least two child lines" : "at least one child line") + " below it");
                }
                return switch (node.typeLine()) {
                    case "Sequential" -> Sequential.of(children);
                    case "Concat" -> Concat.of(children);
                    default -> residual(children);
                };
            }
            Layer layer = decodeLine(node.typeLine(), gemm);
            if (layer.children().isEmpty() && !node.children().isEmpty()) {
                throw new IllegalArgumentException("a " + node.type() + " has no children, but lines below it are indented under it");
            }
            StringBuilder own = new StringBuilder();
            appendChildren(own, layer, "  ");
            if (!own.toString().equals(node.childText())) {
                throw new IllegalArgumentException("a " + node.type() + " with these settings has the children\n" + own
                        + "but the text has\n" + node.childText() + "(edit the block's own line, not its children)");
            }
            return layer;
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(node.where() + ": " + e.getMessage(), e);
        }
    }

    // A Residual's main path is its numbered children in order, its shortcut the child "shortcut".
    private static Residual residual(SequencedMap<String, Layer> children) {
        List<Layer> main = new ArrayList<>();
        Layer shortcut = null;
        for (Map.Entry<String, Layer> e : children.entrySet()) {
            if (e.getKey().equals("shortcut")) {
                shortcut = e.getValue();
            } else if (e.getKey().equals(Integer.toString(main.size()))) {
                main.add(e.getValue());
            } else {
                throw new IllegalArgumentException("a Residual's children are 0, 1, ... (the main path) and shortcut, got '"
                        + e.getKey() + "'");
            }
        }
        if (main.isEmpty()) {
            throw new IllegalArgumentException("a Residual needs its main path (children 0, 1, ...) below it");
        }
        return new Residual(main, shortcut);
    }

    /**
     * Rebuilds a format-1 model: one unnamed leaf line per layer of a flat Sequential.
     *
     * @param text the leaf lines
     * @param gemm the backend for the layers that multiply matrices
     * @return the model, to be built before use
     * @throws IllegalArgumentException naming the line that cannot be read
     */
    public static Sequential decodeFlat(String text, Gemm gemm) {
        List<Layer> layers = new ArrayList<>();
        int lineNo = 0;
        for (String line : text.split("\n")) {
            lineNo++;
            if (line.isBlank()) {
                continue;
            }
            try {
                layers.add(decodeLine(line.trim(), gemm));
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("architecture line " + lineNo + " (\"" + line.trim() + "\"): " + e.getMessage(), e);
            }
        }
        if (layers.isEmpty()) {
            throw new IllegalArgumentException("the architecture names no layers");
        }
        return new Sequential(layers);
    }

    private static Layer decodeLine(String line, Gemm gemm) {
        String[] words = line.split("\\s+");
        Map<String, String> kv = new HashMap<>();
        for (int i = 1; i < words.length; i++) {
            int eq = words[i].indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("expected key=value, got \"" + words[i] + "\"");
            }
            kv.put(words[i].substring(0, eq), words[i].substring(eq + 1));
        }
        Args a = new Args(kv);
        return switch (words[0]) {
            case "Conv2d" -> new Conv2d(new Conv2dSpec(a.i("in"), a.i("out"), a.i("kh"), a.i("kw"), a.i("stride"),
                    a.i("pad"), a.b("bias"), a.b("floor"), a.i("groups", 1)), gemm);
            case "Linear" -> new Linear(a.i("in"), a.i("out"), a.b("bias"), gemm);
            case "MaxPool2d" -> new MaxPool2d(pool(a));
            case "AvgPool2d" -> new AvgPool2d(pool(a));
            case "LeakyRelu" -> new LeakyRelu(a.f("slope"));
            case "Elu" -> new Elu(a.f("alpha"));
            case "Prelu" -> new Prelu(a.i("channels"));
            case "BatchNorm2d" -> new BatchNorm2d(a.i("channels"), a.d("eps"), a.d("momentum"));
            case "BatchNorm1d" -> new BatchNorm1d(a.i("channels"), a.d("eps"), a.d("momentum"));
            case "Maxout" -> new Maxout(a.i("k"));
            case "Dropout" -> new Dropout(a.f("p"), Long.parseLong(a.get("seed")));
            case "Relu" -> new Relu();
            case "Relu6" -> new Relu6();
            case "Sigmoid" -> new Sigmoid();
            case "Tanh" -> new Tanh();
            case "Silu" -> new Silu();
            case "Flatten" -> new Flatten();
            case "GlobalAvgPool" -> new GlobalAvgPool();
            case "AdaptiveAvgPool2d" -> new AdaptiveAvgPool2d(a.i("h"), a.i("w"));
            case "ChannelPadShortcut" -> new ChannelPadShortcut(a.i("stride"), a.i("out"));
            case "SqueezeExcitation" -> new SqueezeExcitation(a.i("channels"), a.i("hidden"), gemm);
            case "BasicBlock" -> new BasicBlock(a.i("in"), a.i("out"), a.i("stride"), a.i("se"), a.has("shortcut") && pad(a), gemm);
            case "Bottleneck" -> new Bottleneck(a.i("in"), a.i("width"), a.i("stride"), gemm);
            case "InvertedResidual" -> new InvertedResidual(a.i("in"), a.i("out"), a.i("stride"), a.i("expansion"), gemm);
            default -> throw new IllegalArgumentException("unknown layer type " + words[0]
                    + "; this Stride reads " + KNOWN + " (a checkpoint from a newer Stride needs that version)");
        };
    }

    private static final String KNOWN = "Sequential, Concat, Residual, Conv2d, Linear, MaxPool2d, AvgPool2d, GlobalAvgPool, "
            + "AdaptiveAvgPool2d, Flatten, Relu, Relu6, LeakyRelu, Prelu, Elu, Sigmoid, Tanh, Silu, Maxout, Dropout, "
            + "BatchNorm2d, BatchNorm1d, ChannelPadShortcut, SqueezeExcitation, BasicBlock, Bottleneck, InvertedResidual";

    private static boolean pad(Args a) {
        if (!a.get("shortcut").equals("pad")) {
            throw new IllegalArgumentException("shortcut must be pad (or left out for the projection), got " + a.get("shortcut"));
        }
        return true;
    }

    private static PoolSpec pool(Args a) {
        return new PoolSpec(a.i("kh"), a.i("kw"), a.i("stride"), a.i("pad"), a.b("floor"), a.has("ceil") && a.b("ceil"));
    }

    private record Args(Map<String, String> kv) {
        String get(String key) {
            String v = kv.get(key);
            if (v == null) {
                throw new IllegalArgumentException("missing " + key + "=");
            }
            return v;
        }

        boolean has(String key) {
            return kv.containsKey(key);
        }

        int i(String key) {
            return Integer.parseInt(get(key));
        }

        /** An optional key: {@code absent} when the line leaves it out. */
        int i(String key, int absent) {
            return kv.containsKey(key) ? i(key) : absent;
        }

        float f(String key) {
            return Float.parseFloat(get(key));
        }

        double d(String key) {
            return Double.parseDouble(get(key));
        }

        boolean b(String key) {
            String v = get(key);
            if (!v.equals("true") && !v.equals("false")) {
                throw new IllegalArgumentException(key + " must be true or false, got " + v);
            }
            return Boolean.parseBoolean(v);
        }
    }
}
