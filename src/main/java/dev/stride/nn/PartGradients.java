package dev.stride.nn;

import dev.stride.tensor.Parallel;
import dev.stride.tensor.Tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static dev.stride.tensor.Tensor.FLOAT;

/**
 * One gradient's per-part partial sums for a layer that splits its batch: each part accumulates
 * its own samples into its row, and {@link #addTo} then adds the rows to the gradient in part order,
 * so the sum depends on the number of parts but never on which thread finished first.
 */
final class PartGradients {
    private final Tensor rows;     // (parts, size): part p's partial gradient in row p
    private final Tensor target;   // the gradient the rows are added to
    private final Parallel.Body addRange = this::addRange; // made once: calls allocate nothing

    PartGradients(Arena arena, int parts, Tensor target) {
        this.rows = Tensor.zeros(arena, parts, Math.toIntExact(target.size()));
        this.target = target;
    }

    MemorySegment segment() {
        return rows.segment();
    }

    /** Where part {@code part}'s row starts, in floats. */
    long offset(int part) {
        return rows.offset() + part * target.size();
    }

    void zero(int part) {
        Tensor.fill(rows.segment(), offset(part), target.size(), 0f);
    }

    /** target += row 0 + row 1 + ..., element by element in that order, the elements split across {@code parallel}. */
    void addTo(Parallel parallel) {
        parallel.forEach(Math.toIntExact(target.size()), addRange);
    }

    private void addRange(int from, int to, int ignoredPart) {
        MemorySegment p = rows.segment();
        MemorySegment t = target.segment();
        int parts = rows.dim(0);
        for (int i = from; i < to; i++) {
            float sum = t.getAtIndex(FLOAT, target.offset() + i);
            for (int q = 0; q < parts; q++) {
                sum += p.getAtIndex(FLOAT, offset(q) + i);
            }
            t.setAtIndex(FLOAT, target.offset() + i, sum);
        }
    }
}
