package dev.stride.optim;

import dev.stride.nn.Parameter;
import dev.stride.ops.VectorSupport;
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
    private final AdamStep step = new AdamStep(); // the constants of the update in progress

    /**
     * Builds the optimiser, allocating both moments of every parameter from {@code arena}.
     *
     * @param parameters the parameters to update, usually the model's
     * @param arena owns the moment buffers; the optimiser never closes it
     * @param spec the hyperparameters
     */
    public Adam(List<Parameter> parameters, Arena arena, AdamSpec spec) {
        super(parameters, spec.lr());
        this.spec = spec;
        this.m = zerosLike(parameters(), arena);
        this.v = zerosLike(parameters(), arena);
    }

    /**
     * The hyperparameters this optimiser was built with.
     *
     * @return the spec
     */
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
        AdamStep s = step;
        s.shrink = spec.decoupled() ? (float) (1 - lr * wd) : 1f;
        s.l2 = spec.decoupled() ? 0f : wd;
        s.beta1 = (float) spec.beta1();
        s.beta2 = (float) spec.beta2();
        s.oneMinusBeta1 = (float) (1 - spec.beta1());
        s.oneMinusBeta2 = (float) (1 - spec.beta2());
        s.stepSize = (float) (lr / (1 - Math.pow(spec.beta1(), t)));
        s.bc2Sqrt = (float) Math.sqrt(1 - Math.pow(spec.beta2(), t));
        s.eps = (float) spec.eps();
        Tensor w = p.value();
        Tensor g = p.grad();
        if (VectorSupport.enabled() && w.size() >= VectorUpdates.MIN_FLOATS) {
            VectorUpdates.adam(w.segment(), w.offset(), g.segment(), g.offset(), m[index].segment(), m[index].offset(),
                    v[index].segment(), v[index].offset(), w.size(), s);
        } else {
            updatePlain(w.segment(), w.offset(), g.segment(), g.offset(), m[index].segment(), m[index].offset(),
                    v[index].segment(), v[index].offset(), w.size(), s);
        }
    }

    /** The element loop without the Vector API: {@code n} parameters p from gradients g, with moments m and v. */
    static void updatePlain(MemorySegment ps, long po, MemorySegment gs, long go, MemorySegment ms, long mo,
                            MemorySegment vs, long vo, long n, AdamStep s) {
        for (long i = 0; i < n; i++) {
            float w = ps.getAtIndex(Tensor.FLOAT, po + i) * s.shrink;
            float g = gs.getAtIndex(Tensor.FLOAT, go + i) + s.l2 * w;
            float mi = s.beta1 * ms.getAtIndex(Tensor.FLOAT, mo + i) + s.oneMinusBeta1 * g;
            float vi = s.beta2 * vs.getAtIndex(Tensor.FLOAT, vo + i) + s.oneMinusBeta2 * g * g;
            ms.setAtIndex(Tensor.FLOAT, mo + i, mi);
            vs.setAtIndex(Tensor.FLOAT, vo + i, vi);
            float denom = (float) Math.sqrt(vi) / s.bc2Sqrt + s.eps;
            ps.setAtIndex(Tensor.FLOAT, po + i, w - s.stepSize * (mi / denom));
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
