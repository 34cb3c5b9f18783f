package dev.stride.optim;

import dev.stride.nn.Parameter;
import dev.stride.ops.VectorSupport;
import dev.stride.tensor.HeapChunks;
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

    /**
     * Builds the optimiser, allocating the velocities from {@code arena} when momentum is on.
     *
     * @param parameters the parameters to update, usually the model's
     * @param arena owns the velocity buffers; the optimiser never closes it
     * @param spec the hyperparameters
     */
    public Sgd(List<Parameter> parameters, Arena arena, SgdSpec spec) {
        super(parameters, spec.lr());
        this.spec = spec;
        this.velocity = spec.momentum() > 0 ? zerosLike(parameters(), arena) : null;
    }

    /**
     * The hyperparameters this optimiser was built with.
     *
     * @return the spec
     */
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
        float mu = (float) spec.momentum();
        Tensor w = p.value();
        Tensor g = p.grad();
        MemorySegment vs = velocity == null ? null : velocity[index].segment();
        long vo = velocity == null ? 0 : velocity[index].offset();
        if (VectorSupport.enabled() && w.size() >= VectorUpdates.MIN_FLOATS) {
            VectorUpdates.sgd(w.segment(), w.offset(), g.segment(), g.offset(), vs, vo, w.size(), lr, wd, mu,
                    spec.nesterov());
        } else {
            updatePlain(w.segment(), w.offset(), g.segment(), g.offset(), vs, vo, w.size(), lr, wd, mu, spec.nesterov());
        }
    }

    /**
     * The update without the Vector API: {@code n} parameters at {@code ps}/{@code po} from their
     * gradients, with velocities at {@code vs}/{@code vo} unless {@code vs} is null (no momentum).
     */
    static void updatePlain(MemorySegment ps, long po, MemorySegment gs, long go, MemorySegment vs, long vo, long n,
                            float lr, float wd, float mu, boolean nesterov) {
        // Through heap chunks, where C2 vectorises the arithmetic (see HeapChunks): the same loops
        // over segments were a visible share of VGG-small's step. Each branch below is one
        // straight-line loop body; the float operations and their order are those of PyTorch.
        HeapChunks chunk = HeapChunks.get();
        float[] w = chunk.a;
        float[] g = chunk.b;
        float[] v = chunk.c;
        for (long at = 0; at < n; at += HeapChunks.SIZE) {
            int len = (int) Math.min(HeapChunks.SIZE, n - at);
            HeapChunks.load(ps, po + at, w, len);
            HeapChunks.load(gs, go + at, g, len);
            if (vs == null) {
                for (int i = 0; i < len; i++) {
                    w[i] = w[i] - lr * (g[i] + wd * w[i]);
                }
            } else {
                HeapChunks.load(vs, vo + at, v, len);
                if (nesterov) {
                    for (int i = 0; i < len; i++) {
                        float gi = g[i] + wd * w[i];
                        float vi = mu * v[i] + gi;
                        v[i] = vi;
                        w[i] = w[i] - lr * (gi + mu * vi);
                    }
                } else {
                    for (int i = 0; i < len; i++) {
                        float vi = mu * v[i] + (g[i] + wd * w[i]);
                        v[i] = vi;
                        w[i] = w[i] - lr * vi;
                    }
                }
                HeapChunks.store(v, len, vs, vo + at);
            }
            HeapChunks.store(w, len, ps, po + at);
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
