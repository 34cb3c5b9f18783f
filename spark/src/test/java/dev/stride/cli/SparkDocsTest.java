package dev.stride.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.spi.ToolProvider;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The spark-train and spark-predict command lines in README.md and docs/*.md (after
 * {@code stride} or, in a spark-submit line, after the jar), parsed by the command line SparkMain
 * runs, so a renamed or removed option fails here; and docs/spark.md's Java block compiled. The
 * core's DocsCommandsTest and DocsJavaTest check everything else and leave these to this test.
 */
class SparkDocsTest {
    private static final Pattern SPARK_COMMAND = Pattern.compile("(?:stride|\\.jar) +(spark-(?:train|predict)(?: .*)?)$");

    @Test
    void everySparkCommandInTheDocsParses() throws IOException {
        Path root = Path.of("..").toAbsolutePath().normalize();
        List<Path> pages = new ArrayList<>(List.of(root.resolve("README.md")));
        try (Stream<Path> docs = Files.list(root.resolve("docs"))) {
            docs.filter(p -> p.toString().endsWith(".md")).sorted().forEach(pages::add);
        }
        int found = 0;
        for (Path page : pages) {
            for (String line : codeLines(Files.readString(page))) {
                Matcher m = SPARK_COMMAND.matcher(line);
                if (m.find()) {
                    found++;
                    CommandLine cmd = Main.commandLine();
                    cmd.addSubcommand(new SparkTrainCommand());
                    cmd.addSubcommand(new SparkPredictCommand());
                    try {
                        cmd.parseArgs(words(m.group(1).replaceAll("\\s+#.*$", "")));
                    } catch (CommandLine.ParameterException e) {
                        fail(root.relativize(page) + ": " + m.group(1) + ": " + e.getMessage());
                    }
                }
            }
        }
        assertTrue(found >= 4, "README.md and docs/spark.md show at least four spark commands; found " + found);
    }

    /** docs/spark.md's Java block, with what it takes as given declared around it, compiled against spark/'s class path. */
    @Test
    void theSparkPagesJavaBlockCompiles(@TempDir Path dir) throws IOException {
        String page = Files.readString(Path.of("../docs/spark.md"));
        int start = page.indexOf("```java\n");
        assertTrue(start >= 0, "docs/spark.md shows the API in a ```java block");
        String block = page.substring(start + "```java\n".length(), page.indexOf("```", start + 1));
        String source = """
                import dev.stride.data.Normalization;
                import dev.stride.nn.Layer;
                import dev.stride.optim.*;
                import dev.stride.spark.*;
                import org.apache.spark.ml.Pipeline;
                import org.apache.spark.ml.PipelineStage;
                import org.apache.spark.sql.Dataset;
                import org.apache.spark.sql.Row;
                import org.apache.spark.sql.SparkSession;
                import java.nio.file.Path;
                import java.time.Duration;

                public class SparkSnippet {
                    static void snippet(SparkSession spark, Dataset<Row> df, Layer builtInitialisedModel, Normalization normalization,
                                        int epochs, int globalBatch, long seed, int threadsPerWorker, int checkpointEvery, int workers)
                            throws Exception {
                """ + block + """
                    }
                }
                """;
        Path file = dir.resolve("SparkSnippet.java");
        Files.writeString(file, source);
        StringWriter errors = new StringWriter();
        PrintWriter out = new PrintWriter(errors);
        int code = ToolProvider.findFirst("javac").orElseThrow().run(out, out, "-proc:none", "-nowarn",
                "-cp", System.getProperty("java.class.path"), "-d", dir.resolve("classes").toString(), file.toString());
        assertEquals(0, code, "docs/spark.md's Java block does not compile:\n" + errors);
    }

    /** The lines inside ``` fences, a line ending in a backslash joined to the next. */
    private static List<String> codeLines(String markdown) {
        List<String> lines = new ArrayList<>();
        boolean inFence = false;
        StringBuilder pending = new StringBuilder();
        for (String line : markdown.lines().toList()) {
            if (line.strip().startsWith("```")) {
                inFence = !inFence;
            } else if (inFence && line.endsWith("\\")) {
                pending.append(line, 0, line.length() - 1);
            } else if (inFence) {
                lines.add(pending + line);
                pending.setLength(0);
            }
        }
        return lines;
    }

    /** Words split at spaces, single quotes kept together and removed, as the shell does for these lines. */
    private static String[] words(String line) {
        List<String> words = new ArrayList<>();
        Matcher m = Pattern.compile("'([^']*)'|(\\S+)").matcher(line);
        while (m.find()) {
            words.add(m.group(1) != null ? m.group(1) : m.group(2));
        }
        return words.toArray(String[]::new);
    }
}
