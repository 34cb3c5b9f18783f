package dev.stride.nn;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The table {@link Layer#summary} prints: one row per node of the tree, indented by depth, with its
 * output shape and the parameters of its subtree; with {@code explain}, each leaf's arithmetic
 * below its row; then the totals.
 */
final class Summary {
    private record Row(String layer, String shape, String parameters, String explanation) {
    }

    private Summary() {
    }

    static String of(Layer model, boolean explain) {
        List<Row> rows = new ArrayList<>();
        rows.add(new Row("input", model.inputShape().toString(), "", null));
        if (model.children().isEmpty()) {
            add(rows, "", model.describe(), model, explain);
        } else {
            addChildren(rows, "", model, explain);
        }
        int[] width = {"layer".length(), "output shape".length(), "parameters".length()};
        for (Row r : rows) {
            width[0] = Math.max(width[0], r.layer().length());
            width[1] = Math.max(width[1], r.shape().length());
            width[2] = Math.max(width[2], r.parameters().length());
        }
        String format = "%-" + width[0] + "s  %-" + width[1] + "s  %" + width[2] + "s";
        String n = System.lineSeparator();
        String rule = "-".repeat(width[0] + width[1] + width[2] + 4) + n;
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(format, "layer", "output shape", "parameters").stripTrailing()).append(n).append(rule);
        for (Row r : rows) {
            String line = String.format(format, r.layer(), r.shape(), r.parameters());
            sb.append(r.parameters().isEmpty() ? line.stripTrailing() : line).append(n);
            if (r.explanation() != null) {
                sb.append(r.explanation()).append(n);
            }
        }
        sb.append(rule);
        sb.append("total parameters: ").append(count(model.parameterCount())).append(n);
        sb.append("output: ").append(model.outputShape()).append(n);
        return sb.toString();
    }

    private static void addChildren(List<Row> rows, String indent, Layer parent, boolean explain) {
        for (Map.Entry<String, Layer> e : parent.children().entrySet()) {
            Layer child = e.getValue();
            add(rows, indent, e.getKey() + " " + child.describe(), child, explain);
            addChildren(rows, indent + "  ", child, explain);
        }
    }

    private static void add(List<Row> rows, String indent, String text, Layer layer, boolean explain) {
        String explanation = explain && layer.children().isEmpty()
                ? "    " + indent + layer.explain(layer.inputShape()) : null;
        rows.add(new Row(indent + text, layer.outputShape().toString(), count(layer.parameterCount()), explanation));
    }

    /** 138357544 as "138,357,544": model zoo counts are read against published ones. */
    static String count(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }
}
