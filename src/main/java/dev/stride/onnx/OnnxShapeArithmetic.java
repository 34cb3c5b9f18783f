package dev.stride.onnx;

import dev.stride.tensor.Shape;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The integer vectors a graph computes from its constants and from Shape nodes, folded while the
 * graph is read: what {@code x.view(x.size(0), -1)} exports as ({@code Shape -> Gather ->
 * Unsqueeze -> Concat -> Reshape}) becomes the Reshape's target, {@code [N, -1]}, where N stands for
 * the batch whatever its size. Only this arithmetic runs; a Gather or Concat of image data is the
 * converter's business.
 */
final class OnnxShapeArithmetic {
    /** In a shape value: the symbolic batch size. */
    static final long BATCH = Long.MIN_VALUE;

    private final Map<String, OnnxTensor> constants;   // shared with the converter: initializers and Constant nodes
    private final Map<String, long[]> values = new HashMap<>();
    private final OnnxProblems problems;

    OnnxShapeArithmetic(Map<String, OnnxTensor> constants, OnnxProblems problems) {
        this.constants = constants;
        this.problems = problems;
    }

    /** Whether {@code v} is a folded integer vector (not a constant, not image data). */
    boolean has(String v) {
        return values.containsKey(v);
    }

    void put(String v, long[] vector) {
        values.put(v, vector);
    }

    /** Concatenates integer vectors (every input a constant or a folded vector); false and a problem otherwise. */
    boolean concat(OnnxNode n, List<String> in, String out) {
        long[] all = new long[0];
        for (String v : in) {
            long[] part = values(n, v);
            if (part == null) {
                return false;
            }
            long[] grown = Arrays.copyOf(all, all.length + part.length);
            System.arraycopy(part, 0, grown, all.length, part.length);
            all = grown;
        }
        values.put(out, all);
        return true;
    }

    void constant(OnnxNode n, OnnxAttributes a, String out) {
        OnnxTensor t = a.t("value");
        if (t == null && a.has("value_ints")) {
            long[] v = a.ints("value_ints");
            t = new OnnxTensor(out, OnnxTensor.INT64, new long[] {v.length}, null, v);
        } else if (t == null && a.has("value_int")) {
            t = new OnnxTensor(out, OnnxTensor.INT64, new long[0], null, new long[] {a.i("value_int", 0)});
        } else if (t == null && a.has("value_float")) {
            t = new OnnxTensor(out, OnnxTensor.FLOAT, new long[0], new float[] {a.f("value_float", 0)}, null);
        }
        if (t == null) {
            problems.add(n, "a Constant without a value, value_int(s) or value_float");
            return;
        }
        constants.put(out, t);
    }

    // Shape(x): [batch, dims of x...], from start to end (opset 15's slicing attributes).
    void shape(OnnxAttributes a, Shape s, String out) {
        long[] v = new long[s.rank()];
        v[0] = BATCH;
        for (int i = 1; i < v.length; i++) {
            v[i] = s.dim(i);
        }
        int start = (int) a.i("start", 0);
        int end = (int) a.i("end", v.length);
        start = Math.clamp(start < 0 ? start + v.length : start, 0, v.length);
        end = Math.clamp(end < 0 ? end + v.length : end, start, v.length);
        values.put(out, Arrays.copyOfRange(v, start, end));
    }

    void gather(OnnxNode n, OnnxAttributes a, List<String> in, String out) {
        long[] v = values.get(in.getFirst());
        OnnxTensor idx = constants.get(in.get(1));
        if (v == null || idx == null || a.i("axis", 0) != 0) {
            problems.add(n, "only a Gather of constant indices from a Shape is supported (the shape arithmetic of x.view)");
            return;
        }
        long[] at = idx.asLongs();
        long[] picked = new long[at.length];
        for (int i = 0; i < at.length; i++) {
            long j = at[i] < 0 ? at[i] + v.length : at[i];
            if (j < 0 || j >= v.length) {
                problems.add(n, "index " + at[i] + " is outside the shape's " + v.length + " entries");
                return;
            }
            picked[i] = v[(int) j];
        }
        values.put(out, picked);
    }

    /** The integers of a shape value or a constant; null (and a problem) for image data. */
    long[] values(OnnxNode n, String v) {
        if (values.containsKey(v)) {
            return values.get(v);
        }
        if (constants.containsKey(v)) {
            return constants.get(v).asLongs();
        }
        problems.add(n, "applied to image data, which Stride supports only as shape arithmetic on a Shape's result");
        return null;
    }

    static String text(long[] target) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < target.length; i++) {
            sb.append(i == 0 ? "" : ", ").append(target[i] == BATCH ? "N" : Long.toString(target[i]));
        }
        return sb.append(']').toString();
    }
}
