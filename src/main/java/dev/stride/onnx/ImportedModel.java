package dev.stride.onnx;

import dev.stride.blas.Gemm;
import dev.stride.data.Normalization;
import dev.stride.nn.BuildOptions;
import dev.stride.nn.Init;
import dev.stride.nn.Layer;
import dev.stride.nn.Linear;
import dev.stride.nn.Sequential;
import dev.stride.tensor.Shape;
import dev.stride.tensor.Tensor;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * A model imported from ONNX, not yet built: an ordinary Stride tree (a {@link Sequential} at the
 * root) and the weights for its layers. {@link #build} builds it and loads the weights, after which
 * it is a model like any other: it trains, saves to a checkpoint and serves eval and predict. For
 * transfer learning, {@link #replaceHead} swaps the last {@link Linear} for a new one with another
 * number of classes, which {@link #build} initialises (PyTorch's default) instead of loading.
 *
 * <p>Immutable (the {@code with} methods return copies) apart from the tree, whose layers
 * {@link #build} builds: build one ImportedModel once; for several threads build once and use
 * {@link BuildOptions#sharingWith}.
 */
public final class ImportedModel {
    private final Sequential model;
    private final int[] sample;                                // (C, H, W)
    private final Normalization normalization;
    private final String classes;                              // names joined with commas, as checkpoints store them
    private final List<String> notes;
    private final Map<Layer, Map<String, float[]>> weights;   // by layer: parameter and buffer values by local name
    private final Gemm gemm;

    ImportedModel(Sequential model, int[] sample, Normalization normalization, String classes, List<String> notes,
                  Map<Layer, Map<String, float[]>> weights, Gemm gemm) {
        this.model = model;
        this.sample = sample.clone();
        this.normalization = normalization;
        this.classes = classes;
        this.notes = List.copyOf(notes);
        this.weights = weights;
        this.gemm = gemm;
    }

    /**
     * The tree, unbuilt until {@link #build}.
     *
     * @return the model's layers
     */
    public Sequential model() {
        return model;
    }

    /**
     * The input shape for a batch of {@code batch}: [batch, C, H, W].
     *
     * @param batch the batch size
     * @return the shape
     */
    public Shape inputShape(int batch) {
        return Shape.of(batch, sample[0], sample[1], sample[2]);
    }

    /**
     * The input normalisation: from the file's Stride metadata, or the identity until {@link
     * #withNormalization} gives one.
     *
     * @return the normalisation
     */
    public Normalization normalization() {
        return normalization;
    }

    /**
     * Class names joined with commas (a comma or backslash in a name escaped with a backslash); empty when
     * unknown.
     *
     * @return the joined names
     */
    public String classes() {
        return classes;
    }

    /**
     * What the import changed that a user should know (a dropped final Softmax).
     *
     * @return one line per change
     */
    public List<String> notes() {
        return notes;
    }

    /**
     * A copy with another input normalisation (for a file without Stride's metadata).
     *
     * @param norm one mean and deviation per input channel
     * @return the copy, sharing this model's layers
     * @throws IllegalArgumentException when the channel counts differ
     */
    public ImportedModel withNormalization(Normalization norm) {
        if (norm.channels() != sample[0]) {
            throw new IllegalArgumentException("a normalisation of " + norm.channels() + " channels for a model whose input has "
                    + sample[0]);
        }
        return new ImportedModel(model, sample, norm, classes, notes, weights, gemm);
    }

    /**
     * A copy with other class names.
     *
     * @param joined class names as {@link #classes()} gives them
     * @return the copy, sharing this model's layers
     */
    public ImportedModel withClasses(String joined) {
        return new ImportedModel(model, sample, normalization, joined, notes, weights, gemm);
    }

    /**
     * A copy whose last layer, a {@link Linear}, is replaced by a new one with {@code classes}
     * outputs (and a bias), initialised by {@link #build}; the other layers and their weights are
     * this model's (the same instances: use one or the other). Class names are dropped.
     *
     * @param classes the new head's outputs
     * @return the copy
     */
    public ImportedModel replaceHead(int classes) {
        List<Layer> layers = new ArrayList<>(model.layers());
        if (!(layers.getLast() instanceof Linear old)) {
            throw new IllegalArgumentException("the model ends in " + layers.getLast().describe()
                    + ", not a Linear layer; replaceHead swaps the final fully connected layer");
        }
        if (classes < 1) {
            throw new IllegalArgumentException("a head needs at least one class, got " + classes);
        }
        layers.set(layers.size() - 1, new Linear(old.inFeatures(), classes, true, gemm));
        Map<Layer, Map<String, float[]>> kept = new IdentityHashMap<>(weights);
        kept.remove(old);
        return new ImportedModel(new Sequential(layers), sample, normalization, "", notes, kept, gemm);
    }

    /**
     * Builds the model for batches of up to {@code batch} with {@code options}, initialises every
     * parameter (PyTorch's default, from {@code seed}: only a new head keeps these values) and
     * loads the imported weights and batch-norm statistics.
     *
     * @param arena owns the model's memory
     * @param batch the largest batch the model will take
     * @param options how to build the model
     * @param seed the seed of the initialisation
     * @return the built model, {@link #model()} itself
     */
    public Layer build(Arena arena, int batch, BuildOptions options, long seed) {
        model.build(inputShape(batch), arena, options);
        Init.pytorchDefault(seed).apply(model.parameters());
        weights.forEach((layer, values) -> {
            Map<String, Tensor> state = layer.state();
            values.forEach((name, v) -> {
                Tensor t = find(layer, state, name);
                if (t.size() != v.length) {
                    throw new IllegalStateException(layer.label() + ": " + name + " holds " + t.size() + " values, imported " + v.length);
                }
                t.copyFrom(v);
            });
        });
        return model;
    }

    private static Tensor find(Layer layer, Map<String, Tensor> state, String local) {
        for (Map.Entry<String, Tensor> e : state.entrySet()) {
            if (e.getKey().equals(local) || e.getKey().endsWith("." + local)) {
                return e.getValue();
            }
        }
        throw new IllegalStateException(layer.label() + " has no parameter or buffer '" + local + "'");
    }
}
