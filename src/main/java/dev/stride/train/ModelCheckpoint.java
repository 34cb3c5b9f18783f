package dev.stride.train;

import dev.stride.blas.Gemm;
import dev.stride.data.Normalization;
import dev.stride.nn.Layer;
import dev.stride.nn.Parameter;
import dev.stride.nn.Sequential;
import dev.stride.optim.Optimizer;
import dev.stride.tensor.Shape;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Saves and restores a whole model -- architecture, weights, input normalisation, optimiser state
 * and training progress -- on top of the {@link CheckpointFile} format (atomic writes, checksums).
 *
 * <p>Tensor names: {@code param.<layer index>.<parameter name>} for the model and the optimiser's
 * own state names. Metadata keys: {@code input} (C,H,W of one sample), {@code epochs_done},
 * {@code global_step}, {@code seed}, {@code norm.mean}, {@code norm.std}, plus {@code optim.*} from
 * {@link Optimizer#saveState()} and whatever the caller adds.
 */
public final class ModelCheckpoint {
    private ModelCheckpoint() {
    }

    /** Everything a checkpoint holds besides tensors, as the trainer sees it. */
    public record Progress(int epochsDone, long globalStep, long seed) {
    }

    public static void save(Path file, Sequential model, Normalization norm, Optimizer optimizer,
                            Progress progress, Map<String, String> extra) throws IOException {
        Map<String, String> meta = new LinkedHashMap<>(extra);
        Shape in = model.inputShape();
        meta.put("input", join(Arrays.copyOfRange(in.dims(), 1, in.rank())));
        meta.put("epochs_done", Integer.toString(progress.epochsDone()));
        meta.put("global_step", Long.toString(progress.globalStep()));
        meta.put("seed", Long.toString(progress.seed()));
        meta.put("norm.mean", join(norm.mean()));
        meta.put("norm.std", join(norm.std()));
        List<NamedTensor> tensors = parameterTensors(model);
        if (optimizer != null) {
            meta.putAll(optimizer.saveState());
            for (int i = 0; i < optimizer.state().size(); i++) {
                tensors.add(new NamedTensor(optimizer.stateNames().get(i), optimizer.state().get(i)));
            }
        }
        CheckpointFile.save(file, Architecture.encode(model), meta, tensors);
    }

    /** A model rebuilt from a checkpoint, with its weights, built for batches of up to {@code batch}. */
    public record Loaded(Sequential model, Normalization normalization, Progress progress, Checkpoint checkpoint) {
        /** Loads the optimiser's state tensors and counters from the same file (to resume training). */
        public void restore(Optimizer optimizer) {
            List<NamedTensor> state = new ArrayList<>();
            for (int i = 0; i < optimizer.state().size(); i++) {
                state.add(new NamedTensor(optimizer.stateNames().get(i), optimizer.state().get(i)));
            }
            checkpoint.loadInto(state);
            optimizer.restoreState(checkpoint.metadata());
        }
    }

    public static Loaded load(Path file, Gemm gemm, Arena arena, int batch) throws IOException {
        return load(file, gemm, arena, batch, 1);
    }

    /** As {@link #load(Path, Gemm, Arena, int)}, the model splitting its batches over {@code threads} threads. */
    public static Loaded load(Path file, Gemm gemm, Arena arena, int batch, int threads) throws IOException {
        Checkpoint ckpt = CheckpointFile.read(file);
        Sequential model = Architecture.decode(ckpt.architecture(), gemm);
        int[] sample = ints(ckpt.meta("input"));
        int[] dims = new int[sample.length + 1];
        dims[0] = batch;
        System.arraycopy(sample, 0, dims, 1, sample.length);
        model.build(Shape.of(dims), arena, threads);
        ckpt.loadInto(parameterTensors(model));
        Normalization norm = new Normalization(floats(ckpt.meta("norm.mean")), floats(ckpt.meta("norm.std")));
        Progress progress = new Progress(Integer.parseInt(ckpt.meta("epochs_done")),
                Long.parseLong(ckpt.meta("global_step")), Long.parseLong(ckpt.meta("seed")));
        return new Loaded(model, norm, progress, ckpt);
    }

    /** The model's parameters under their checkpoint names, in layer order. */
    public static List<NamedTensor> parameterTensors(Sequential model) {
        List<NamedTensor> out = new ArrayList<>();
        List<Layer> layers = model.layers();
        for (int i = 0; i < layers.size(); i++) {
            for (Parameter p : layers.get(i).parameters()) {
                out.add(new NamedTensor("param." + i + "." + p.name(), p.value()));
            }
        }
        return out;
    }

    private static String join(int[] v) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < v.length; i++) {
            sb.append(i == 0 ? "" : ",").append(v[i]);
        }
        return sb.toString();
    }

    private static String join(float[] v) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < v.length; i++) {
            sb.append(i == 0 ? "" : ",").append(v[i]);
        }
        return sb.toString();
    }

    private static int[] ints(String s) {
        return Arrays.stream(s.split(",")).mapToInt(Integer::parseInt).toArray();
    }

    private static float[] floats(String s) {
        String[] parts = s.split(",");
        float[] out = new float[parts.length];
        for (int i = 0; i < parts.length; i++) {
            out[i] = Float.parseFloat(parts[i]);
        }
        return out;
    }
}
