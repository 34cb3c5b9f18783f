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
 * Stochastic gradient descent with momentum, exactly as {@code torch.optim.SGD} with dampening 0:
 * <pre>
 *   g = grad + wd * p
 *   v = mu * v + g                    (when mu &gt; 0; v starts at 0, so the first v is g)
 *   d = nesterov ? g + mu * v : v     (d = g when mu = 0)
 *   p = p - lr * d
 * </pre>
 * Arithmetic is float32 in that order, as PyTorch's CPU kernels do it.
 */
public final class Sgd extends Optimizer {
    private final SgdSpec spec;
    private final Tensor[] velocity; // one per parameter, shaped like it; null without momentum

    /** Builds the optimiser, allocating the velocities from {@code arena} when momentum is on. */
    public Sgd(List<Parameter> parameters, Arena arena, SgdSpec spec) {
        super(parameters, spec.lr());
        this.spec = spec;
        this.velocity = spec.momentum() > 0 ? zerosLike(parameters(), arena) : null;
    }

    public SgdSpec spec() {
        return spec;
    }

    @Override
    public String kind() {
        return "sgd";
    }

    @Override
    protected void update(int index, Parameter p, long updates) {
        float lr = (float) lr();
        float wd = decayFor(p, spec.weightDecay(), spec.decayWeightsOnly());
        MemorySegment ps = p.value().segment(), gs = p.grad().segment();
        long po = p.value().offset(), go = p.grad().offset(), n = p.value().size();
        if (velocity == null) {
            for (long i = 0; i < n; i++) {
                float w = ps.getAtIndex(Tensor.FLOAT, po + i);
                float g = gs.getAtIndex(Tensor.FLOAT, go + i) + wd * w;
                ps.setAtIndex(Tensor.FLOAT, po + i, w - lr * g);
            }
            return;
        }
        float mu = (float) spec.momentum();
        MemorySegment vs = velocity[index].segment();
        long vo = velocity[index].offset();
        // Branch on Nesterov outside the loop so each loop body is straight-line code.
        if (spec.nesterov()) {
            for (long i = 0; i < n; i++) {
                float w = ps.getAtIndex(Tensor.FLOAT, po + i);
                float g = gs.getAtIndex(Tensor.FLOAT, go + i) + wd * w;
                float v = mu * vs.getAtIndex(Tensor.FLOAT, vo + i) + g;
                vs.setAtIndex(Tensor.FLOAT, vo + i, v);
                ps.setAtIndex(Tensor.FLOAT, po + i, w - lr * (g + mu * v));
            }
        } else {
            for (long i = 0; i < n; i++) {
                float w = ps.getAtIndex(Tensor.FLOAT, po + i);
                float g = gs.getAtIndex(Tensor.FLOAT, go + i) + wd * w;
                float v = mu * vs.getAtIndex(Tensor.FLOAT, vo + i) + g;
                vs.setAtIndex(Tensor.FLOAT, vo + i, v);
                ps.setAtIndex(Tensor.FLOAT, po + i, w - lr * v);
            }
        }
    }

    @Override
    public List<Tensor> state() {
        return velocity == null ? List.of() : List.of(velocity);
    }

    @Override
    public List<String> stateNames() {
        List<String> names = new ArrayList<>();
        for (int i = 0; velocity != null && i < velocity.length; i++) {
            names.add("optim.velocity." + i);
        }
        return names;
    }

    @Override
    public Map<String, String> hyperparameters() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("momentum", Double.toString(spec.momentum()));
        m.put("nesterov", Boolean.toString(spec.nesterov()));
        m.put("weight_decay", Double.toString(spec.weightDecay()));
        m.put("decay_weights_only", Boolean.toString(spec.decayWeightsOnly()));
        return m;
    }
}
