package dev.stride.docs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The fenced code blocks of README.md and docs/*.md, each with the {@code <!-- docs-check: ... -->}
 * comment on the line above it, if any, and the shell commands in it.
 */
final class DocBlocks {
    private static final Pattern FENCE = Pattern.compile("^(\\s*)(```+|~~~+)\\s*(\\S*).*$");
    private static final Pattern MARK = Pattern.compile("^<!-- docs-check: (.+?) -->$");

    /**
     * @param page   relative to the repository root, e.g. "docs/onnx.md"
     * @param line   1-based line of the opening fence
     * @param info   the fence's language, "" when none
     * @param marker the text after "docs-check: " in the comment right above, "" when none
     */
    record Block(String page, int line, String info, String marker, List<String> lines) {
        String where() {
            return page + ":" + line;
        }

        String text() {
            return String.join("\n", lines) + "\n";
        }

        boolean isJava() {
            return info.equals("java");
        }

        /** The marker's kind ("parse only", "output", ...) when it has the form "KIND: REASON". */
        boolean marked(String kind) {
            return marker.startsWith(kind + ": ") && marker.length() > kind.length() + 2;
        }
    }

    /**
     * One command of a block: its words after shell quoting, without leading VAR=value words, and
     * the output lines printed under it in a "$ "-prompt transcript.
     */
    record Command(Block block, Map<String, String> env, List<String> words, List<String> output) {
        String program() {
            return words.getFirst();
        }

        List<String> args() {
            return words.subList(1, words.size());
        }

        @Override
        public String toString() {
            return block.where() + ": " + String.join(" ", words);
        }
    }

    private DocBlocks() {
    }

    /** README.md and docs/*.md, in that order, relative to {@code root}. */
    static List<String> pages(Path root) {
        try (Stream<Path> docs = Files.list(root.resolve("docs"))) {
            List<String> pages = new ArrayList<>(List.of("README.md"));
            docs.map(p -> "docs/" + p.getFileName()).filter(p -> p.endsWith(".md")).sorted().forEach(pages::add);
            return pages;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<Block> all(Path root) {
        List<Block> blocks = new ArrayList<>();
        for (String page : pages(root)) {
            blocks.addAll(of(page, read(root.resolve(page))));
        }
        return blocks;
    }

    static List<Block> of(String page, String markdown) {
        List<String> lines = markdown.lines().toList();
        List<Block> blocks = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            Matcher open = FENCE.matcher(lines.get(i));
            if (!open.matches()) {
                continue;
            }
            int end = i + 1;
            while (end < lines.size() && !lines.get(end).strip().equals(open.group(2))) {
                end++;
            }
            if (end == lines.size()) {
                throw new IllegalStateException(page + ":" + (i + 1) + ": the code block is never closed");
            }
            Matcher mark = i > 0 ? MARK.matcher(lines.get(i - 1).strip()) : null;
            int indent = open.group(1).length();
            List<String> body = lines.subList(i + 1, end).stream()
                    .map(l -> l.length() >= indent && l.substring(0, indent).isBlank() ? l.substring(indent) : l.stripLeading()).toList();
            blocks.add(new Block(page, i + 1, open.group(3), mark != null && mark.matches() ? mark.group(1) : "", body));
            i = end;
        }
        return blocks;
    }

    /**
     * The commands of a shell block. In a transcript (some line starts with "$ ") only those lines are
     * commands and the lines after each are its output; otherwise every line is a command, a
     * trailing backslash joining it to the next, "#" starting a comment.
     */
    static List<Command> commands(Block block) {
        boolean transcript = block.lines().stream().anyMatch(l -> l.startsWith("$ "));
        List<Command> commands = new ArrayList<>();
        StringBuilder pending = new StringBuilder();
        List<String> output = null;
        for (String line : block.lines()) {
            if (transcript && !line.startsWith("$ ")) {
                if (output != null) {
                    output.add(line);
                }
                continue;
            }
            String text = transcript ? line.substring(2) : line;
            if (text.endsWith("\\")) {
                pending.append(text, 0, text.length() - 1).append(' ');
                continue;
            }
            pending.append(text);
            List<String> words = words(pending.toString(), block);
            pending.setLength(0);
            if (words.isEmpty()) {
                continue;
            }
            Map<String, String> env = new java.util.LinkedHashMap<>();
            while (words.size() > 1 && words.getFirst().matches("[A-Z_][A-Z0-9_]*=.*")) {
                String[] kv = words.getFirst().split("=", 2);
                env.put(kv[0], kv[1]);
                words = words.subList(1, words.size());
            }
            output = new ArrayList<>();
            commands.add(new Command(block, env, List.copyOf(words), output));
        }
        return commands;
    }

    /** POSIX shell words: single and double quotes, backslash escapes, "#" comments; no expansions. */
    static List<String> words(String line, Block block) {
        List<String> words = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        boolean inWord = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '\'' || c == '"') {
                int close = line.indexOf(c, i + 1);
                if (close < 0) {
                    throw new IllegalStateException(block.where() + ": unclosed " + c + " in: " + line);
                }
                word.append(line, i + 1, close);
                inWord = true;
                i = close;
            } else if (c == '\\' && i + 1 < line.length()) {
                word.append(line.charAt(++i));
                inWord = true;
            } else if (Character.isWhitespace(c)) {
                if (inWord) {
                    words.add(word.toString());
                    word.setLength(0);
                    inWord = false;
                }
            } else if (c == '#' && !inWord) {
                break;
            } else {
                word.append(c);
                inWord = true;
            }
        }
        if (inWord) {
            words.add(word.toString());
        }
        return words;
    }

    static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
