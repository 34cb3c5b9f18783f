package dev.stride.onnx;

import java.util.ArrayList;
import java.util.List;

/** What stops a graph from importing, collected over the whole graph so that one error lists it all. */
final class OnnxProblems {
    private final List<String> lines = new ArrayList<>();

    void add(OnnxNode node, String what) {
        lines.add(node.label() + ": " + what);
    }

    void add(String what) {
        lines.add(what);
    }

    int size() {
        return lines.size();
    }

    boolean isEmpty() {
        return lines.isEmpty();
    }

    /** Throws, listing every problem, when there is any. */
    void throwIfAny(String source) {
        if (!lines.isEmpty()) {
            throw new OnnxImportException(source + ": cannot import it into Stride's layers ("
                    + lines.size() + (lines.size() == 1 ? " problem" : " problems") + "):\n  " + String.join("\n  ", lines)
                    + "\nchange these in the model and export it again; docs/onnx-import.md lists what Stride imports");
        }
    }
}
