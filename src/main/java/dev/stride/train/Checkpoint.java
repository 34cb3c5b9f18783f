package dev.stride.train;

import dev.stride.tensor.Tensor;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The contents of a checkpoint file as {@link CheckpointFile#read} returns them: the architecture
 * string, the metadata map and the named tensors, all in the order they were saved.
 *
 * <p>Nothing here knows about layers: {@link #loadInto} copies stored tensors into whatever tensors
 * the caller names, so the model, the optimiser and anything else can each load their own part.
 */
public final class Checkpoint {
    private final Path file;
    private final int formatVersion;
    private final String architecture;
    private final Map<String, String> metadata;
    private final Map<String, CheckpointTensor> tensors;

    Checkpoint(Path file, int formatVersion, String architecture, Map<String, String> metadata, List<CheckpointTensor> tensors) {
        this.file = file;
        this.formatVersion = formatVersion;
        this.architecture = architecture;
        this.metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
        Map<String, CheckpointTensor> byName = new LinkedHashMap<>();
        for (CheckpointTensor t : tensors) {
            byName.put(t.name(), t);
        }
        this.tensors = Collections.unmodifiableMap(byName);
    }

    /**
     * The file it was read from.
     *
     * @return the path
     */
    public Path file() {
        return file;
    }

    /**
     * The format version the file was written in.
     *
     * @return the version
     */
    public int formatVersion() {
        return formatVersion;
    }

    /**
     * The architecture string given to {@link CheckpointFile#save}, e.g. {@code "lenet5"}.
     *
     * @return the architecture string
     */
    public String architecture() {
        return architecture;
    }

    /**
     * Every metadata entry, in saved order.
     *
     * @return key to value, unmodifiable
     */
    public Map<String, String> metadata() {
        return metadata;
    }

    /**
     * One metadata value; a missing key is a clear error naming the file and the keys it has.
     *
     * @param key the entry's key
     * @return its value
     */
    public String meta(String key) {
        String v = metadata.get(key);
        if (v == null) {
            throw new IllegalArgumentException("checkpoint " + file + " has no metadata entry '" + key + "' (it has " + metadata.keySet() + ")");
        }
        return v;
    }

    /**
     * The stored tensors by name, in saved order.
     *
     * @return name to tensor, unmodifiable
     */
    public Map<String, CheckpointTensor> tensors() {
        return tensors;
    }

    /**
     * One stored tensor; a missing name is a clear error naming the file and the tensors it has.
     *
     * @param name the tensor's name
     * @return the tensor
     */
    public CheckpointTensor tensor(String name) {
        CheckpointTensor t = tensors.get(name);
        if (t == null) {
            throw new IllegalArgumentException("checkpoint " + file + " has no tensor '" + name + "' (it has " + tensors.keySet() + ")");
        }
        return t;
    }

    /**
     * Copies the stored tensor of each target's name into the target. Every target must be stored
     * with exactly the target's shape; all are checked before any is written, so a mismatch leaves
     * every target as it was. Stored tensors that no target names are ignored, so one file can hold
     * a model and its optimiser state and an inference run loads only the model.
     *
     * @throws IllegalArgumentException naming the tensor and both shapes, or the missing tensor
     * @param targets the tensors to fill, each with the name it is stored under
     */
    public void loadInto(List<NamedTensor> targets) {
        List<String> problems = new ArrayList<>();
        for (NamedTensor target : targets) {
            CheckpointTensor stored = tensors.get(target.name());
            if (stored == null) {
                problems.add("no tensor '" + target.name() + "' in the checkpoint");
            } else if (!stored.shape().equals(target.tensor().shape())) {
                problems.add("tensor '" + target.name() + "' has shape " + stored.shape() + " in the checkpoint but "
                        + target.tensor().shape() + " in the model");
            }
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("cannot load checkpoint " + file + " (architecture '" + architecture + "'): "
                    + String.join("; ", problems) + ". Build the same architecture that was saved.");
        }
        for (NamedTensor target : targets) {
            Tensor t = target.tensor();
            t.copyFrom(tensors.get(target.name()).data());
        }
    }
}
