package dev.stride.reference;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The line-based text files of the format ({@code case.txt}, {@code index.txt}): blank lines and
 * lines starting with {@code #} are skipped, the rest split on whitespace, each carrying the file
 * and line number that an error message must name.
 */
record CaseLines(String text, String[] words, String where) {

    static List<CaseLines> read(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        List<CaseLines> out = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (!line.isEmpty() && !line.startsWith("#")) {
                out.add(new CaseLines(line, line.split("\\s+"), file + " line " + (i + 1) + " ('" + line + "'): "));
            }
        }
        return out;
    }

    /** A name that stays inside its directory: no separators, not {@code .} or {@code ..}. */
    static boolean plainName(String name) {
        return !name.contains("/") && !name.contains("\\") && !name.equals(".") && !name.equals("..");
    }
}
