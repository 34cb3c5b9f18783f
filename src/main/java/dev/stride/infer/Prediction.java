package dev.stride.infer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * A model's answer for one sample: its output scores (logits) and what follows from them. Immutable;
 * every array it returns is a fresh copy the caller owns.
 */
public final class Prediction {
    private final float[] scores;        // (classes) the model's outputs
    private final float[] probabilities; // (classes) their softmax
    private final List<String> names;    // (classes) or empty

    /** Takes ownership of {@code scores}; {@code names} is empty or one per class. */
    Prediction(float[] scores, List<String> names) {
        this.scores = scores;
        this.probabilities = softmax(scores);
        this.names = names;
    }

    /**
     * The number of classes (outputs per sample).
     *
     * @return the number of classes
     */
    public int classes() {
        return scores.length;
    }

    /**
     * The model's outputs for this sample.
     *
     * @return one score per class (a copy)
     */
    public float[] scores() {
        return scores.clone();
    }

    /**
     * The softmax of the scores, computed in double, rounded to float.
     *
     * @return one probability per class (a copy)
     */
    public float[] probabilities() {
        return probabilities.clone();
    }

    /**
     * The most probable class; the lowest index among equals.
     *
     * @return the class and its probability
     */
    public ClassProbability best() {
        int best = 0;
        for (int c = 1; c < probabilities.length; c++) {
            best = probabilities[c] > probabilities[best] ? c : best;
        }
        return entry(best);
    }

    /**
     * The {@code k} most probable classes (fewer when there are fewer), most probable first, ties by index.
     *
     * @param k how many classes, at least 1
     * @return the classes and their probabilities
     */
    public List<ClassProbability> topK(int k) {
        if (k < 1) {
            throw new IllegalArgumentException("topK needs k of at least 1, got " + k);
        }
        Integer[] order = new Integer[probabilities.length];
        Arrays.setAll(order, i -> i);
        Arrays.sort(order, Comparator.comparingDouble((Integer c) -> -probabilities[c]).thenComparingInt(c -> c));
        List<ClassProbability> top = new ArrayList<>();
        for (int i = 0; i < Math.min(k, order.length); i++) {
            top.add(entry(order[i]));
        }
        return List.copyOf(top);
    }

    /**
     * The name of class {@code c}: the model's, or "class c" when it has none.
     *
     * @param c the class index
     * @return its name
     */
    public String name(int c) {
        return names.isEmpty() ? "class " + c : names.get(c);
    }

    private ClassProbability entry(int c) {
        return new ClassProbability(c, name(c), probabilities[c]);
    }

    // The largest score is subtracted first so that exp cannot overflow.
    private static float[] softmax(float[] z) {
        float max = Float.NEGATIVE_INFINITY;
        for (float v : z) {
            max = Math.max(max, v);
        }
        double sum = 0;
        double[] e = new double[z.length];
        for (int i = 0; i < z.length; i++) {
            e[i] = Math.exp(z[i] - max);
            sum += e[i];
        }
        float[] p = new float[z.length];
        for (int i = 0; i < z.length; i++) {
            p[i] = (float) (e[i] / sum);
        }
        return p;
    }

    @Override
    public String toString() {
        ClassProbability b = best();
        return "Prediction[" + b.name() + ", p=" + b.probability() + "]";
    }
}
