package dev.stride.train;

import dev.stride.blas.Gemm;
import dev.stride.nn.AvgPool2d;
import dev.stride.nn.Conv2d;
import dev.stride.nn.Conv2dSpec;
import dev.stride.nn.Dropout;
import dev.stride.nn.Elu;
import dev.stride.nn.Flatten;
import dev.stride.nn.GlobalAvgPool;
import dev.stride.nn.Layer;
import dev.stride.nn.LeakyRelu;
import dev.stride.nn.Linear;
import dev.stride.nn.MaxPool2d;
import dev.stride.nn.Maxout;
import dev.stride.nn.PoolSpec;
import dev.stride.nn.Prelu;
import dev.stride.nn.Relu;
import dev.stride.nn.Sequential;
import dev.stride.nn.Sigmoid;
import dev.stride.nn.Silu;
import dev.stride.nn.Tanh;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A model's layers as text, one line per layer ({@code Conv2d in=1 out=6 kh=5 kw=5 stride=1 pad=2
 * bias=true floor=false}), so a checkpoint can rebuild exactly the model it was saved from, a
 * replaced classifier head included. A plain switch over the layer types: no reflection, no
 * registry.
 */
public final class Architecture {
    private Architecture() {
    }

    /** The text form of every layer of {@code model}, in order. */
    public static String encode(Sequential model) {
        StringBuilder sb = new StringBuilder();
        for (Layer layer : model.layers()) {
            sb.append(encode(layer)).append('\n');
        }
        return sb.toString();
    }

    static String encode(Layer layer) {
        return switch (layer) {
            case Conv2d c -> {
                Conv2dSpec s = c.spec();
                yield String.format(Locale.ROOT, "Conv2d in=%d out=%d kh=%d kw=%d stride=%d pad=%d bias=%b floor=%b",
                        s.inChannels(), s.outChannels(), s.kernelH(), s.kernelW(), s.stride(), s.padding(), s.bias(), s.floor());
            }
            case Linear l -> String.format(Locale.ROOT, "Linear in=%d out=%d bias=%b", l.inFeatures(), l.outFeatures(), l.hasBias());
            case MaxPool2d p -> pool("MaxPool2d", p.spec());
            case AvgPool2d p -> pool("AvgPool2d", p.spec());
            case LeakyRelu l -> "LeakyRelu slope=" + l.slope();
            case Elu e -> "Elu alpha=" + e.alpha();
            case Prelu p -> "Prelu channels=" + p.channels();
            case Maxout m -> "Maxout k=" + m.k();
            case Dropout d -> "Dropout p=" + d.p() + " seed=" + d.seed();
            case Relu r -> "Relu";
            case Sigmoid s -> "Sigmoid";
            case Tanh t -> "Tanh";
            case Silu s -> "Silu";
            case Flatten f -> "Flatten";
            case GlobalAvgPool g -> "GlobalAvgPool";
            default -> throw new IllegalArgumentException("layer type " + layer.getClass().getName()
                    + " cannot be saved in a checkpoint; Architecture knows the layers in dev.stride.nn");
        };
    }

    private static String pool(String type, PoolSpec s) {
        return String.format(Locale.ROOT, "%s kh=%d kw=%d stride=%d pad=%d floor=%b",
                type, s.kernelH(), s.kernelW(), s.stride(), s.padding(), s.floor());
    }

    /** Rebuilds the (unbuilt) model that {@link #encode} described; GEMM layers use {@code gemm}. */
    public static Sequential decode(String text, Gemm gemm) {
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
                    a.i("pad"), a.b("bias"), a.b("floor")), gemm);
            case "Linear" -> new Linear(a.i("in"), a.i("out"), a.b("bias"), gemm);
            case "MaxPool2d" -> new MaxPool2d(pool(a));
            case "AvgPool2d" -> new AvgPool2d(pool(a));
            case "LeakyRelu" -> new LeakyRelu(a.f("slope"));
            case "Elu" -> new Elu(a.f("alpha"));
            case "Prelu" -> new Prelu(a.i("channels"));
            case "Maxout" -> new Maxout(a.i("k"));
            case "Dropout" -> new Dropout(a.f("p"), Long.parseLong(a.get("seed")));
            case "Relu" -> new Relu();
            case "Sigmoid" -> new Sigmoid();
            case "Tanh" -> new Tanh();
            case "Silu" -> new Silu();
            case "Flatten" -> new Flatten();
            case "GlobalAvgPool" -> new GlobalAvgPool();
            default -> throw new IllegalArgumentException("unknown layer type " + words[0]);
        };
    }

    private static PoolSpec pool(Args a) {
        return new PoolSpec(a.i("kh"), a.i("kw"), a.i("stride"), a.i("pad"), a.b("floor"));
    }

    private record Args(Map<String, String> kv) {
        String get(String key) {
            String v = kv.get(key);
            if (v == null) {
                throw new IllegalArgumentException("missing " + key + "=");
            }
            return v;
        }

        int i(String key) {
            return Integer.parseInt(get(key));
        }

        float f(String key) {
            return Float.parseFloat(get(key));
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
