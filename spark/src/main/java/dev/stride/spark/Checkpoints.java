package dev.stride.spark;

import dev.stride.data.Normalization;
import dev.stride.nn.Layer;
import dev.stride.optim.Optimizer;
import dev.stride.train.ModelCheckpoint;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A run's checkpoint directory: {@code step-<global step>.ckpt} files (Stride's checkpoint format,
 * written atomically), of which the newest is where a run starts or resumes. Only rank 0 writes;
 * after writing one it deletes the one before.
 */
final class Checkpoints {
    private static final Pattern NAME = Pattern.compile("step-(\\d{10})\\.ckpt");

    private final Path dir;

    Checkpoints(Path dir) {
        this.dir = dir;
    }

    /** The checkpoint with the highest step, if any. */
    Optional<Path> latest() throws IOException {
        if (!Files.isDirectory(dir)) {
            return Optional.empty();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> NAME.matcher(f.getFileName().toString()).matches()).max(Path::compareTo);
        }
    }

    /** The latest checkpoint, or a clear error naming the directory. */
    Path require() throws IOException {
        return latest().orElseThrow(() -> new IOException("checkpoint directory " + dir + " holds no step-*.ckpt; on a cluster it must be"
                + " a shared file system that the driver and every executor see at the same path"));
    }

    Path save(Layer model, Normalization norm, Optimizer optimizer, ModelCheckpoint.Progress progress, Map<String, String> meta)
            throws IOException {
        Files.createDirectories(dir);
        Optional<Path> before = latest();
        Path file = dir.resolve(String.format(Locale.ROOT, "step-%010d.ckpt", progress.globalStep()));
        ModelCheckpoint.save(file, model, norm, optimizer, progress, meta);
        if (before.isPresent() && !before.get().equals(file)) {
            Files.deleteIfExists(before.get());
        }
        return file;
    }

    static long step(Path checkpoint) {
        Matcher m = NAME.matcher(checkpoint.getFileName().toString());
        if (!m.matches()) {
            throw new IllegalArgumentException(checkpoint + " is not named step-<10 digits>.ckpt");
        }
        return Long.parseLong(m.group(1));
    }
}
