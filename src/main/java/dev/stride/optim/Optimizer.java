package dev.stride.optim;

import dev.stride.nn.Parameter;
import dev.stride.tensor.Tensor;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Updates a fixed list of parameters from their accumulated gradients.
 *
 * <p>State (velocities, moments) is allocated once, at construction, from the caller's arena, in
 * the order of the parameter list; {@link #step()} only reads and writes segments.
 *
 * <p><b>Freezing.</b> {@link Parameter} is an immutable record shared with the layers, so whether
 * it trains is the optimiser's business, not the parameter's: {@link #freeze} marks parameters the
 * optimiser then skips entirely (no update, no weight decay, no change to their state), and
 * {@link #unfreeze} brings them back with their state where it was, as PyTorch does for a tensor
 * with {@code requires_grad = False}. Passing only the trainable parameters to the constructor
 * works too; freezing in place keeps the state and the checkpoint layout fixed while layers are
 * unfrozen one by one during fine-tuning.
 *
 * <p><b>Checkpoints.</b> {@link #state()} and {@link #stateNames()} list the state tensors in a
 * stable order; {@link #saveState()} gives the scalars (kind, learning rate, step counts,
 * hyperparameters) as metadata and {@link #restoreState} reads them back.
 */
public abstract class Optimizer {
    private final List<Parameter> parameters;
    private final boolean[] frozen;
    // Updates applied to each parameter; Adam's bias correction counts these, as PyTorch's per-parameter "step" does.
    private final long[] updates;
    private long steps;
    private double lr;

    /**
     * An optimiser over these parameters, none frozen, starting at rate {@code lr}.
     *
     * @param parameters the parameters to update (copied); not empty
     * @param lr the first learning rate
     */
    protected Optimizer(List<Parameter> parameters, double lr) {
        if (parameters.isEmpty()) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": no parameters to optimise (is every layer parameter-free, or was the model not built?)");
        }
        this.parameters = List.copyOf(parameters);
        this.frozen = new boolean[parameters.size()];
        this.updates = new long[parameters.size()];
        setLr(lr);
    }

    /**
     * A short lower-case name of the algorithm ("sgd", "adam", "adamw"), recorded in checkpoints.
     *
     * @return the name
     */
    public abstract String kind();

    /**
     * Hyperparameters other than the learning rate, in a fixed order, for logs and checkpoints.
     *
     * @return name to value, as text
     */
    public abstract Map<String, String> hyperparameters();

    /**
     * The state tensors, in a stable order matching {@link #stateNames()}; empty for plain SGD.
     *
     * @return the state tensors
     */
    public abstract List<Tensor> state();

    /**
     * Names of the state tensors, unique and stable, e.g. {@code "optim.velocity.3"} for parameter 3.
     *
     * @return the names, one per state tensor
     */
    public abstract List<String> stateNames();

    /**
     * Applies one update to parameter {@code index} using {@code updates} as its own update count.
     *
     * @param index the parameter's index in {@link #parameters()}
     * @param p the parameter, whose gradient is read and value written
     * @param updates how many times this parameter has been updated, this one included
     */
    protected abstract void update(int index, Parameter p, long updates);

    /** Updates every parameter that is not frozen from its gradient; gradients are left as they are. */
    public final void step() {
        steps++;
        for (int i = 0; i < parameters.size(); i++) {
            if (!frozen[i]) {
                updates[i]++;
                update(i, parameters.get(i), updates[i]);
            }
        }
    }

    /** Zeroes the gradient of every parameter, frozen ones included, so that none grows without bound. */
    public void zeroGrad() {
        for (int i = 0; i < parameters.size(); i++) { // by index: a step allocates nothing (an iterator stayed on the heap)
            parameters.get(i).zeroGrad();
        }
    }

    /**
     * Every parameter this optimiser was built with, frozen or not.
     *
     * @return an unmodifiable list
     */
    public List<Parameter> parameters() {
        return parameters;
    }

    /**
     * The parameters {@link #step()} updates now.
     *
     * @return a new list of the parameters that are not frozen
     */
    public List<Parameter> trainable() {
        List<Parameter> out = new ArrayList<>();
        for (int i = 0; i < parameters.size(); i++) {
            if (!frozen[i]) {
                out.add(parameters.get(i));
            }
        }
        return out;
    }

    /**
     * Stops updating these parameters (transfer learning: a frozen backbone) until {@link #unfreeze}.
     *
     * @param ps parameters of this optimiser, matched by identity
     * @throws IllegalArgumentException when one is not
     */
    public void freeze(Collection<Parameter> ps) {
        setFrozen(ps, true);
    }

    /**
     * Updates these parameters again.
     *
     * @param ps parameters of this optimiser, matched by identity
     * @throws IllegalArgumentException when one is not
     */
    public void unfreeze(Collection<Parameter> ps) {
        setFrozen(ps, false);
    }

    /**
     * Whether a parameter is frozen.
     *
     * @param p a parameter of this optimiser, matched by identity
     * @return true when {@link #step()} leaves it alone
     * @throws IllegalArgumentException when it is not one of this optimiser's
     */
    public boolean isFrozen(Parameter p) {
        return frozen[indexOf(p)];
    }

    private void setFrozen(Collection<Parameter> ps, boolean value) {
        for (Parameter p : ps) {
            frozen[indexOf(p)] = value;
        }
    }

    // By identity: two layers may each have a "weight" of the same shape.
    private int indexOf(Parameter p) {
        for (int i = 0; i < parameters.size(); i++) {
            if (parameters.get(i) == p) {
                return i;
            }
        }
        throw new IllegalArgumentException(getClass().getSimpleName() + ": parameter " + p.name() + " " + p.value().shape()
                + " is not one of the " + parameters.size() + " this optimiser was built with");
    }

    /**
     * The learning rate the next step uses.
     *
     * @return the rate
     */
    public double lr() {
        return lr;
    }

    /**
     * Sets the learning rate for the next steps (what an {@link LrSchedule} drives).
     *
     * @param lr finite and non-negative
     */
    public final void setLr(double lr) {
        if (!(lr >= 0) || Double.isInfinite(lr)) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": learning rate must be finite and non-negative, got " + lr);
        }
        this.lr = lr;
    }

    /**
     * Calls to {@link #step()} so far.
     *
     * @return the step count
     */
    public long stepCount() {
        return steps;
    }

    /**
     * Weight decay for {@code p}: {@code wd}, or 0 for parameters that do not decay (biases, slopes) when
     * decay is for those that do only.
     *
     * @param p the parameter
     * @param wd the spec's weight decay
     * @param weightsOnly whether only parameters that are weights decay
     * @return the decay to apply to {@code p}
     */
    protected static float decayFor(Parameter p, double wd, boolean weightsOnly) {
        return weightsOnly && !p.decays() ? 0f : (float) wd;
    }

    /**
     * The scalars of the optimiser's state as metadata entries, all keys starting with {@code "optim."}.
     *
     * @return key to value, as text
     */
    public Map<String, String> saveState() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("optim.kind", kind());
        m.put("optim.lr", Double.toString(lr));
        m.put("optim.steps", Long.toString(steps));
        m.put("optim.updates", Arrays.toString(updates).replaceAll("[\\[\\] ]", ""));
        for (Map.Entry<String, String> e : hyperparameters().entrySet()) {
            m.put("optim." + e.getKey(), e.getValue());
        }
        return m;
    }

    /**
     * Restores the learning rate and step counts written by {@link #saveState()}; the state tensors
     * are loaded separately, by name. Hyperparameters are taken from this optimiser's spec, so a
     * resumed run may change them on purpose.
     *
     * @param metadata the entries {@link #saveState()} wrote, among others
     * @throws IllegalArgumentException when they were written by another kind of optimiser or are incomplete
     */
    public void restoreState(Map<String, String> metadata) {
        String savedKind = required(metadata, "optim.kind");
        if (!savedKind.equals(kind())) {
            throw new IllegalArgumentException("the checkpoint holds " + savedKind + " state but this optimiser is " + kind()
                    + ": build the same optimiser to resume, or start it afresh without restoring its state");
        }
        String[] counts = required(metadata, "optim.updates").split(",");
        if (counts.length != updates.length) {
            throw new IllegalArgumentException("the checkpoint's optimiser updated " + counts.length + " parameters but this one has "
                    + updates.length + ": the model differs from the one that was saved");
        }
        try {
            setLr(Double.parseDouble(required(metadata, "optim.lr")));
            steps = Long.parseLong(required(metadata, "optim.steps"));
            for (int i = 0; i < counts.length; i++) {
                updates[i] = Long.parseLong(counts[i]);
            }
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("unreadable optimiser state in checkpoint metadata: " + e.getMessage(), e);
        }
    }

    private static String required(Map<String, String> metadata, String key) {
        String v = metadata.get(key);
        if (v == null) {
            throw new IllegalArgumentException("checkpoint metadata has no " + key + ": it was saved without optimiser state");
        }
        return v;
    }

    /**
     * Allocates one zeroed tensor shaped like each parameter: the per-parameter state buffers.
     *
     * @param parameters the parameters
     * @param arena owns the buffers
     * @return one buffer per parameter, in order
     */
    protected static Tensor[] zerosLike(List<Parameter> parameters, Arena arena) {
        Tensor[] out = new Tensor[parameters.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = Tensor.zeros(arena, parameters.get(i).value().shape());
        }
        return out;
    }

    /**
     * One line for logs: the kind, the learning rate and the other hyperparameters.
     *
     * @return the description
     */
    public String describe() {
        return kind() + " lr=" + lr + " " + hyperparameters();
    }
}
