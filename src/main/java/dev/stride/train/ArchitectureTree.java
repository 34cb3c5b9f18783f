package dev.stride.train;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The indented text of {@link Architecture} parsed into nodes, before any layer is made: the root's
 * type line, then "name: Type ..." lines, each child two spaces deeper than its parent. Errors name
 * the line.
 */
final class ArchitectureTree {

    /**
     * One line of the text and the lines below it.
     *
     * @param name     the child name ("" for the root)
     * @param path     the dotted path from the root
     * @param typeLine "Type key=value ..."
     * @param line     its line number, from 1
     * @param children the nodes indented under it
     */
    record Node(String name, String path, String typeLine, int line, List<Node> children) {
        String type() {
            return typeLine.split("\\s+")[0];
        }

        /** Where errors point: the line, its text and the path. */
        String where() {
            return "architecture line " + line + " (\"" + typeLine + "\"" + (path.isEmpty() ? "" : ", at " + path) + ")";
        }

        /** The children's lines as {@link Architecture#encode} writes them under a node at depth 0. */
        String childText() {
            StringBuilder sb = new StringBuilder();
            append(sb, "  ");
            return sb.toString();
        }

        private void append(StringBuilder sb, String indent) {
            for (Node c : children) {
                sb.append(indent).append(c.name).append(": ").append(c.typeLine).append('\n');
                c.append(sb, indent + "  ");
            }
        }
    }

    private final List<String> lines = new ArrayList<>();
    private final List<Integer> numbers = new ArrayList<>();
    private int next;

    private ArchitectureTree(String text) {
        String[] all = text.split("\n");
        for (int i = 0; i < all.length; i++) {
            if (!all[i].isBlank()) {
                lines.add(all[i]);
                numbers.add(i + 1);
            }
        }
    }

    static Node parse(String text) {
        ArchitectureTree t = new ArchitectureTree(text);
        if (t.lines.isEmpty()) {
            throw new IllegalArgumentException("the architecture names no layers");
        }
        Node root = t.node(0, "", "", t.lines.getFirst().strip());
        if (t.next != t.lines.size()) {
            throw new IllegalArgumentException("architecture line " + t.numbers.get(t.next) + " (\"" + t.lines.get(t.next).strip()
                    + "\"): indented wrongly; each child is indented two spaces more than its parent");
        }
        return root;
    }

    // The node whose type line is lines[next], then its children at depth + 1.
    private Node node(int depth, String name, String path, String typeLine) {
        int line = numbers.get(next++);
        List<Node> children = new ArrayList<>();
        Set<String> names = new HashSet<>();
        int childIndent = 2 * (depth + 1);
        while (next < lines.size() && indentOf(lines.get(next)) == childIndent) {
            String l = lines.get(next).strip();
            int colon = l.indexOf(':');
            if (colon <= 0) {
                throw new IllegalArgumentException("architecture line " + numbers.get(next) + " (\"" + l + "\"): expected \"name: Type ...\"");
            }
            String childName = l.substring(0, colon);
            String childPath = path.isEmpty() ? childName : path + "." + childName;
            if (!names.add(childName)) {
                throw new IllegalArgumentException("architecture line " + numbers.get(next) + ": two children named '" + childName
                        + "' (at " + childPath + ")");
            }
            children.add(node(depth + 1, childName, childPath, l.substring(colon + 1).strip()));
        }
        return new Node(name, path, typeLine, line, List.copyOf(children));
    }

    private static int indentOf(String line) {
        int i = 0;
        while (i < line.length() && line.charAt(i) == ' ') {
            i++;
        }
        return i;
    }
}
