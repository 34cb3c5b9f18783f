package dev.stride.train;

import dev.stride.blas.Gemm;
import dev.stride.data.Normalization;
import dev.stride.blas.GemmBackend;
import dev.stride.nn.BuildOptions;
import dev.stride.nn.Layer;
import dev.stride.optim.Optimizer;
import dev.stride.tensor.Shape;
import dev.stride.tensor.Tensor;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Saves and restores a whole model -- its tree, parameters and buffers, input normalisation,
 * optimiser state and training progress -- on top of the {@link CheckpointFile} format (atomic
 * writes, checksums). Format 2 (docs/checkpoint-format.md) stores the tree as
 * {@link Architecture} text and every parameter and buffer under its path name, as PyTorch's
 * {@code state_dict} names it ({@code 0.weight}, {@code layer1.0.bn1.running_mean}); format-1 files
 * (a flat layer list, tensors named {@code param.<layer index>.<name>}) still load.
 *
 * <p>Metadata keys: {@code input} (C,H,W of one sample), {@code epochs_done}, {@code global_step},
 * {@code seed}, {@code norm.mean}, {@code norm.std}, plus {@code optim.*} from
 * {@link Optimizer#saveState()} and whatever the caller adds. Optimiser state tensors are named
 * {@code optim.*}.
 */
public final class ModelCheckpoint {
    private static final String OPTIMIZER_PREFIX = "optim.";

    private ModelCheckpoint() {
    }

    /**
     * Everything a checkpoint holds besides tensors, as the trainer sees it.
     *
     * @param epochsDone epochs completed
     * @param globalStep optimiser steps taken (the schedule's clock)
     * @param seed the seed the run started from
     */
    public record Progress(int epochsDone, long globalStep, long seed) {
    }

    /**
     * Saves a model's architecture, parameters and buffers, its input normalisation, the training progress
     * and, when given, the optimiser's state, atomically (see {@link CheckpointFile#save}).
     *
     * @param file where to write
     * @param model a built model
     * @param norm the input normalisation it trains with
     * @param optimizer the optimiser whose state to keep for a resume, or null
     * @param progress where training stands
     * @param extra more metadata (hyperparameters, class names)
     * @throws IOException when writing fails; a previous file is then left intact
     */
    public static void save(Path file, Layer model, Normalization norm, Optimizer optimizer,
                            Progress progress, Map<String, String> extra) throws IOException {
        Map<String, String> meta = new LinkedHashMap<>(extra);
        Shape in = model.inputShape();
        meta.put("input", join(Arrays.copyOfRange(in.dims(), 1, in.rank())));
        meta.put("epochs_done", Integer.toString(progress.epochsDone()));
        meta.put("global_step", Long.toString(progress.globalStep()));
        meta.put("seed", Long.toString(progress.seed()));
        meta.put("norm.mean", norm.meanText());
        meta.put("norm.std", norm.stdText());
        List<NamedTensor> tensors = stateTensors(model);
        if (optimizer != null) {
            meta.putAll(optimizer.saveState());
            for (int i = 0; i < optimizer.state().size(); i++) {
                tensors.add(new NamedTensor(optimizer.stateNames().get(i), optimizer.state().get(i)));
            }
        }
        CheckpointFile.save(file, Architecture.encode(model), meta, tensors);
    }

    /**
     * A model rebuilt from a checkpoint, with its weights, built for batches of up to the batch asked for.
     *
     * @param model the rebuilt, built model with its weights
     * @param normalization the input normalisation it was trained with
     * @param progress where training stood
     * @param checkpoint the file's contents, for more metadata
     */
    public record Loaded(Layer model, Normalization normalization, Progress progress, Checkpoint checkpoint) {
        /**
         * Loads the optimiser's state tensors and counters from the same file (to resume training).
         * Another optimiser, or the same with settings that keep other state (SGD with momentum
         * against plain SGD), is refused with what differs; nothing is loaded then.
         *
         * @param optimizer an optimiser over {@code model}'s parameters
         * @throws IllegalArgumentException when the saved state is of another optimiser or settings
         */
        public void restore(Optimizer optimizer) {
            Map<String, String> meta = checkpoint.metadata();
            String saved = meta.get("optim.kind");
            if (saved == null) {
                throw new IllegalArgumentException("checkpoint " + checkpoint.file() + " holds no optimiser state (it was saved"
                        + " without an optimiser); resume from a checkpoint saved during training, or start a new run from its weights");
            }
            if (!saved.equals(optimizer.kind())) {
                throw new IllegalArgumentException("checkpoint " + checkpoint.file() + " holds the state of optimiser '" + saved
                        + "', but this run uses '" + optimizer.kind() + "'; resume with the same optimiser, or start a new run from its weights");
            }
            Set<String> stored = new TreeSet<>();
            for (String name : checkpoint.tensors().keySet()) {
                if (name.startsWith(OPTIMIZER_PREFIX)) {
                    stored.add(name);
                }
            }
            if (!stored.equals(new TreeSet<>(optimizer.stateNames()))) {
                throw new IllegalArgumentException("checkpoint " + checkpoint.file() + " holds " + stored.size() + " " + saved
                        + " state tensors (" + settings(meta, optimizer) + "), but this run's " + saved + " keeps "
                        + optimizer.stateNames().size() + "; resume with the settings it was saved with, or start a new run from its weights");
            }
            List<NamedTensor> state = new ArrayList<>();
            for (int i = 0; i < optimizer.state().size(); i++) {
                state.add(new NamedTensor(optimizer.stateNames().get(i), optimizer.state().get(i)));
            }
            checkpoint.loadInto(state);
            optimizer.restoreState(meta);
        }

        /** The hyperparameters that differ between the checkpoint and {@code optimizer}, e.g. "momentum 0.9 saved, 0.0 here". */
        private static String settings(Map<String, String> meta, Optimizer optimizer) {
            List<String> differ = new ArrayList<>();
            for (Map.Entry<String, String> e : optimizer.hyperparameters().entrySet()) {
                String was = meta.get(OPTIMIZER_PREFIX + e.getKey());
                if (was != null && !was.equals(e.getValue())) {
                    differ.add(e.getKey() + " " + was + " saved, " + e.getValue() + " here");
                }
            }
            return differ.isEmpty() ? "other settings" : String.join(", ", differ);
        }
    }

    /**
     * As {@link #load(Path, Gemm, Arena, int, BuildOptions)} for training on one thread.
     *
     * @param file the checkpoint file
     * @param gemm the backend for the layers that multiply matrices
     * @param arena owns the model's memory
     * @param batch the largest batch the model will take
     * @return the model and what else the file held
     * @throws IOException when the file cannot be read or does not fit the model it describes
     */
    public static Loaded load(Path file, Gemm gemm, Arena arena, int batch) throws IOException {
        return load(file, gemm, arena, batch, BuildOptions.training().withThreads(1));
    }

    /**
     * As {@link #load(Path, Gemm, Arena, int)}, the model splitting its batches over {@code threads} threads.
     *
     * @param file the checkpoint file
     * @param gemm the backend for the layers that multiply matrices
     * @param arena owns the model's memory
     * @param batch the largest batch the model will take
     * @param threads the threads a batch is split over
     * @return the model and what else the file held
     * @throws IOException when the file cannot be read or does not fit the model it describes
     */
    public static Loaded load(Path file, Gemm gemm, Arena arena, int batch, int threads) throws IOException {
        return load(file, gemm, arena, batch, BuildOptions.training().withThreads(threads));
    }

    /**
     * Rebuilds the saved model, builds it for batches of up to {@code batch} with {@code options}
     * (for inference, say), and loads every parameter and buffer. Every tensor the model has must
     * be stored with its shape, and every stored model tensor must belong to the model; all is
     * checked before anything is written.
     *
     * @param file the checkpoint file
     * @param gemm the backend for the layers that multiply matrices
     * @param arena owns the model's memory
     * @param batch the largest batch the model will take
     * @param options how to build the model
     * @return the model and what else the file held
     * @throws IOException when the file cannot be read or does not fit the model it describes
     */
    public static Loaded load(Path file, Gemm gemm, Arena arena, int batch, BuildOptions options) throws IOException {
        Checkpoint ckpt = CheckpointFile.read(file);
        Layer model;
        try {
            model = ckpt.formatVersion() == 1 ? Architecture.decodeFlat(ckpt.architecture(), gemm)
                    : Architecture.decode(ckpt.architecture(), gemm);
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(file, "its model cannot be rebuilt: " + e.getMessage());
        }
        int[] sample = ints(ckpt.meta("input"));
        int[] dims = new int[sample.length + 1];
        dims[0] = batch;
        System.arraycopy(sample, 0, dims, 1, sample.length);
        model.build(Shape.of(dims), arena, options);
        loadState(ckpt, model);
        Normalization norm = Normalization.parse(ckpt.meta("norm.mean"), ckpt.meta("norm.std"));
        Progress progress = new Progress(Integer.parseInt(ckpt.meta("epochs_done")),
                Long.parseLong(ckpt.meta("global_step")), Long.parseLong(ckpt.meta("seed")));
        return new Loaded(model, norm, progress, ckpt);
    }

    /**
     * Loads the parameters and buffers of a checkpoint into {@code model}, a built model of the same
     * tree (a model constructed in code, say); a different tree is an error naming the first node
     * that differs, and nothing is loaded.
     *
     * @param file the checkpoint file
     * @param model a built model
     * @throws IOException when the file cannot be read or does not fit the model
     */
    public static void loadWeights(Path file, Layer model) throws IOException {
        Checkpoint ckpt = CheckpointFile.read(file);
        String expected = Architecture.encode(model);
        String stored = ckpt.formatVersion() == 1
                ? Architecture.encode(Architecture.decodeFlat(ckpt.architecture(), GemmBackend.java())) : ckpt.architecture();
        if (!stored.equals(expected)) {
            throw new CheckpointException(file, "its model differs from this one: " + firstDifference(stored, expected)
                    + "; build the model that was saved (stride summary --checkpoint shows it)");
        }
        loadState(ckpt, model);
    }

    private static String firstDifference(String stored, String expected) {
        String[] a = stored.split("\n");
        String[] b = expected.split("\n");
        for (int i = 0; i < Math.max(a.length, b.length); i++) {
            String x = i < a.length ? a[i].strip() : "(nothing)";
            String y = i < b.length ? b[i].strip() : "(nothing)";
            if (!x.equals(y)) {
                return "line " + (i + 1) + " of its tree is \"" + x + "\" in the checkpoint but \"" + y + "\" in the model";
            }
        }
        return "the trees differ";
    }

    // Every model tensor from the file, checked as a whole first: nothing is loaded half-way.
    private static void loadState(Checkpoint ckpt, Layer model) throws CheckpointException {
        boolean flat = ckpt.formatVersion() == 1;
        List<NamedTensor> targets = new ArrayList<>();
        Set<String> wanted = new HashSet<>();
        for (Map.Entry<String, Tensor> e : model.state().entrySet()) {
            String stored = flat ? "param." + e.getKey() : e.getKey();
            targets.add(new NamedTensor(stored, e.getValue()));
            wanted.add(stored);
        }
        List<String> extra = new ArrayList<>();
        for (String name : ckpt.tensors().keySet()) {
            if (!name.startsWith(OPTIMIZER_PREFIX) && !wanted.contains(name)) {
                extra.add(name);
            }
        }
        if (!extra.isEmpty()) {
            throw new CheckpointException(ckpt.file(), "it stores tensors " + extra + " that the model has no place for"
                    + " (the model has " + model.state().keySet() + "); the file does not belong to this model");
        }
        ckpt.loadInto(targets);
    }

    /**
     * The model's parameters and buffers under their checkpoint names, in {@code state_dict} order.
     *
     * @param model a built model
     * @return a new, modifiable list of the model's tensors with their names
     */
    public static List<NamedTensor> stateTensors(Layer model) {
        List<NamedTensor> out = new ArrayList<>();
        model.state().forEach((name, t) -> out.add(new NamedTensor(name, t)));
        return out;
    }

    private static String join(int[] v) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < v.length; i++) {
            sb.append(i == 0 ? "" : ",").append(v[i]);
        }
        return sb.toString();
    }

    private static int[] ints(String s) {
        return Arrays.stream(s.split(",")).mapToInt(Integer::parseInt).toArray();
    }
}
