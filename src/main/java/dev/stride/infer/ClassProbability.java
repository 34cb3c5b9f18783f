package dev.stride.infer;

/**
 * One class of a {@link Prediction}.
 *
 * @param index       the class index, the model's output position
 * @param name        the class name, or "class i" when the model has no names
 * @param probability its softmax probability
 */
public record ClassProbability(int index, String name, float probability) {
}
