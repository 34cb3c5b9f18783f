package dev.stride.optim;

import dev.stride.nn.Parameter;
import dev.stride.tensor.Tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Adam (Kingma and Ba), step for step as {@code torch.optim.Adam}, or {@code torch.optim.AdamW}
 * when the spec says {@code decoupled}. For parameter p on its t-th update:
 * <pre>
 *   AdamW only: p = p * (1 - lr * wd)
 *   g = grad (+ wd * p for Adam)
 *   m = beta1 * m + (1 - beta1) * g
 *   v = beta2 * v + (1 - beta2) * g * g
 *   p = p - (lr / (1 - beta1^t)) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
 * </pre>
 * The bias corrections are computed in double once per parameter and step, then the element loop
 * runs in float32, as PyTorch does. t counts this parameter's own updates, so a parameter that was
 * frozen for a while resumes its bias correction where it left off, like PyTorch's per-parameter step.
 */
public final class Adam extends Optimizer {
    private final AdamSpec spec;
    private final Tensor[] m; // first moments, one per parameter, shaped like it
    private final Tensor[] v; // second moments, one per parameter, shaped like it

    /** Builds the optimiser, allocating both moments of every parameter from {@code arena}. */
    public Adam(List<Parameter> parameters, Arena arena, AdamSpec spec) {
        super(parameters, spec.lr());
        this.spec = spec;
        this.m = zerosLike(parameters(), arena);
        this.v = zerosLike(parameters(), arena);
    }

    public AdamSpec spec() {
        return spec;
    }

    @Override
    public String kind() {
        return spec.decoupled() ? "adamw" : "adam";
    }

    @Override
    protected void update(int index, Parameter p, long t) {
        double lr = lr();
        float wd = decayFor(p, spec.weightDecay(), spec.decayWeightsOnly());
        float shrink = spec.decoupled() ? (float) (1 - lr * wd) : 1f;
        float l2 = spec.decoupled() ? 0f : wd;
        float b1 = (float) spec.beta1(), b2 = (float) spec.beta2();
        float c1 = (float) (1 - spec.beta1()), c2 = (float) (1 - spec.beta2());
        float stepSize = (float) (lr / (1 - Math.pow(spec.beta1(), t)));
        float bc2Sqrt = (float) Math.sqrt(1 - Math.pow(spec.beta2(), t));
        float eps = (float) spec.eps();

        MemorySegment ps = p.value().segment(), gs = p.grad().segment();
        MemorySegment ms = m[index].segment(), vs = v[index].segment();
        long po = p.value().offset(), go = p.grad().offset(), mo = m[index].offset(), vo = v[index].offset();
        long n = p.value().size();
        for (long i = 0; i < n; i++) {
            float w = ps.getAtIndex(Tensor.FLOAT, po + i) * shrink;
            float g = gs.getAtIndex(Tensor.FLOAT, go + i) + l2 * w;
            float mi = b1 * ms.getAtIndex(Tensor.FLOAT, mo + i) + c1 * g;
            float vi = b2 * vs.getAtIndex(Tensor.FLOAT, vo + i) + c2 * g * g;
            ms.setAtIndex(Tensor.FLOAT, mo + i, mi);
            vs.setAtIndex(Tensor.FLOAT, vo + i, vi);
            float denom = (float) Math.sqrt(vi) / bc2Sqrt + eps;
            ps.setAtIndex(Tensor.FLOAT, po + i, w - stepSize * (mi / denom));
        }
    }

    @Override
    public List<Tensor> state() {
        List<Tensor> out = new ArrayList<>();
        for (int i = 0; i < m.length; i++) {
            out.add(m[i]);
            out.add(v[i]);
        }
        return out;
    }

    @Override
    public List<String> stateNames() {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < m.length; i++) {
            names.add("optim.exp_avg." + i);
            names.add("optim.exp_avg_sq." + i);
        }
        return names;
    }

    @Override
    public Map<String, String> hyperparameters() {
        Map<String, String> h = new LinkedHashMap<>();
        h.put("beta1", Double.toString(spec.beta1()));
        h.put("beta2", Double.toString(spec.beta2()));
        h.put("eps", Double.toString(spec.eps()));
        h.put("weight_decay", Double.toString(spec.weightDecay()));
        h.put("decay_weights_only", Boolean.toString(spec.decayWeightsOnly()));
        return h;
    }
}
