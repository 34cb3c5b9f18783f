package dev.stride.train;

import dev.stride.tensor.Tensor;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The process {@link CheckpointCrashTest} kills: saves checkpoints of generation {@code first},
 * {@code first + 1}, ... to one file, without end, saying on standard output when each save starts
 * and when it has returned.
 */
final class CheckpointCrashChild {
    /** Floats in each checkpoint: 4 MB. */
    static final int VALUES = 1 << 20;

    private CheckpointCrashChild() {
    }

    public static void main(String[] args) throws IOException {
        Path file = Path.of(args[0]);
        try (Arena arena = Arena.ofConfined()) {
            Tensor w = Tensor.zeros(arena, VALUES);
            float[] values = new float[VALUES];
            for (long generation = Long.parseLong(args[1]); ; generation++) {
                for (int i = 0; i < VALUES; i++) {
                    values[i] = value(generation, i);
                }
                w.copyFrom(values);
                System.out.println("saving " + generation);
                CheckpointFile.save(file, "crash-test", Map.of("generation", Long.toString(generation)), List.of(new NamedTensor("w", w)));
                System.out.println("saved " + generation);
            }
        }
    }

    /** Value i of generation g's tensor: exact in a float for the generations a test reaches. */
    static float value(long generation, int i) {
        return generation * 128 + i % 97;
    }
}
