package dev.stride.train;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The metadata keys, beyond {@link ModelCheckpoint}'s own, that say what a model classifies: the
 * data set it was trained on and its class names, as {@code stride train} writes them and
 * {@code stride predict} and {@code dev.stride.infer} read them.
 */
public final class CheckpointMetadata {
    /** The data set a model was trained on: mnist, fashion-mnist, cifar10, cifar100 or folder:PATH. */
    public static final String DATASET = "dataset";
    /** The class names, in class order, joined by {@link #joinNames}. */
    public static final String CLASSES = "classes";
    /** What a checkpoint without {@link #DATASET} was trained on: early checkpoints were all MNIST. */
    public static final String DEFAULT_DATASET = "mnist";

    private CheckpointMetadata() {
    }

    /**
     * The data set named in {@code meta}, {@link #DEFAULT_DATASET} when none is.
     *
     * @param meta a checkpoint's metadata
     * @return the data set's name
     */
    public static String dataset(Map<String, String> meta) {
        return meta.getOrDefault(DATASET, DEFAULT_DATASET);
    }

    /**
     * The class names stored in {@code meta}; empty when there are none.
     *
     * @param meta a checkpoint's metadata
     * @return the names, in class order
     */
    public static List<String> classNames(Map<String, String> meta) {
        return splitNames(meta.get(CLASSES));
    }

    /**
     * Class names joined with commas; a comma or backslash in a name is escaped with a backslash.
     *
     * @param names the class names
     * @return one line
     */
    public static String joinNames(List<String> names) {
        List<String> escaped = names.stream().map(n -> n.replace("\\", "\\\\").replace(",", "\\,")).toList();
        return String.join(",", escaped);
    }

    /**
     * The inverse of {@link #joinNames}; empty for null or an empty string.
     *
     * @param joined what {@link #joinNames} wrote
     * @return the names
     */
    public static List<String> splitNames(String joined) {
        List<String> names = new ArrayList<>();
        if (joined == null || joined.isEmpty()) {
            return names;
        }
        StringBuilder at = new StringBuilder();
        for (int i = 0; i < joined.length(); i++) {
            char c = joined.charAt(i);
            if (c == '\\' && i + 1 < joined.length()) {
                at.append(joined.charAt(++i));
            } else if (c == ',') {
                names.add(at.toString());
                at.setLength(0);
            } else {
                at.append(c);
            }
        }
        names.add(at.toString());
        return names;
    }
}
