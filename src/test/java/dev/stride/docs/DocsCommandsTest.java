package dev.stride.docs;

import dev.stride.cli.Main;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import picocli.CommandLine;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Every command in the code blocks of README.md and docs/*.md, page by page in the pages' order:
 * <ul>
 *   <li>{@code scripts/stride} (or {@code stride}) lines are parsed by the real command line, so an
 *   option, command or value that does not exist fails here, and run, unless the block is marked
 *   {@code <!-- docs-check: parse only: REASON -->}: as {@code dev.stride.cli.Main} on this class
 *   path (not through the script, which would build), in one working folder shared by all pages,
 *   where {@code examples/}, {@code src/} and {@code scripts/} are the repository's and
 *   {@code run/checkpoint.stride} is a LeNet-5; paths under {@code /tmp/} and {@code ~/} are taken
 *   under that folder. In a "$ " transcript a command whose output shows a {@code stride COMMAND:}
 *   error must fail with that first line; any other must succeed.</li>
 *   <li>{@code spark-train} and {@code spark-predict} are parsed by spark/'s {@code SparkDocsTest}
 *   (Spark's command line lives there).</li>
 *   <li>{@code ./mvnw}: options Maven has, the {@code -f} file, phases, {@code plugin:goal@id}
 *   executions the pom declares, {@code -Dtest} classes that exist.</li>
 *   <li>Other {@code scripts/}: the script exists, each option is one its argument loop accepts and
 *   its {@code --help} succeeds; {@code scripts/bench}'s arguments go through JMH's own parser.</li>
 *   <li>{@code java ... NAME.java}: a block on the page declares the class (DocsJavaTest runs it)
 *   and the command runs it; {@code mkdir}/{@code cp}/{@code ls} run in the working folder.</li>
 *   <li>Anything else (apt-get, git, python, spark-submit) only in a block marked parse only.</li>
 * </ul>
 * A block marked {@code <!-- docs-check: output: REASON -->} is not a command (a program's output,
 * a file format, a usage line); the Java blocks are {@link DocsJavaTest}'s.
 */
class DocsCommandsTest {
    private static final Path ROOT = Path.of("").toAbsolutePath();
    private static final Set<String> SHELL = Set.of("mkdir", "cp", "ls");
    private static final Set<String> MAVEN_PHASES = Set.of("clean", "validate", "compile", "test-compile", "test", "package", "verify",
            "install");
    private static final Pattern SCRIPT_OPTION = Pattern.compile("(?m)^\\s+((?:-[-\\w]+\\|?)+)\\)");

    @TempDir
    static Path work;

    @BeforeAll
    static void workspace() throws IOException {
        for (String shared : List.of("examples", "src", "scripts")) {
            Files.createSymbolicLink(work.resolve(shared), ROOT.resolve(shared));
        }
        SnippetFixtures.lenetCheckpoint(work.resolve("run/checkpoint.stride"));
        Files.createDirectories(work.resolve("tmp"));
        SnippetFixtures.mnistFiles(work.resolve("home/.cache/stride/mnist"), 200, 50);
    }

    @TestFactory
    Stream<DynamicTest> everyCommandIsRunOrParsed() {
        return DocBlocks.all(ROOT).stream().filter(b -> !b.isJava()).map(block -> DynamicTest.dynamicTest(block.where(), () -> {
            if (block.marked("output")) {
                return;
            }
            assertTrue(block.marker().isEmpty() || block.marked("parse only"),
                    block.where() + ": unknown docs-check marker '" + block.marker() + "'; use 'parse only: REASON' or 'output: REASON'");
            List<DocBlocks.Command> commands = DocBlocks.commands(block);
            assertTrue(!commands.isEmpty(), block.where() + ": no command in the block; mark it <!-- docs-check: output: REASON --> if it shows output");
            for (DocBlocks.Command c : commands) {
                check(c, block.marked("parse only"));
            }
        }));
    }

    /** The check itself: drift of each kind fails, on blocks made here. */
    @Test
    void driftFails() {
        for (String block : List.of("scripts/stride train --epoch 5", "scripts/stride train --model lenet6", "scripts/stride evaluate",
                "scripts/compare-onnxruntime --fast", "scripts/bench NoSuchBenchmark", "./mvnw -B test -Dtest=NoSuchTest",
                "./mvnw -B surefire:test@no-such-execution", "python3 scripts/peer/mnist_lenet_onnx.py x.onnx")) {
            String markdown = "<!-- docs-check: parse only: a test -->\n```\n" + block + "\n```\n";
            DocBlocks.Command c = DocBlocks.commands(DocBlocks.of("test.md", markdown).getFirst()).getFirst();
            boolean parseOnly = !block.startsWith("python3");   // python3 unmarked: neither run nor parsed
            assertThrows(AssertionError.class, () -> check(c, parseOnly), block);
        }
    }

    private static void check(DocBlocks.Command c, boolean parseOnly) throws Exception {
        String program = c.program();
        if (program.equals("scripts/stride") || program.equals("stride")) {
            stride(c, parseOnly);
        } else if (program.equals("./mvnw")) {
            maven(c);
        } else if (program.equals("scripts/bench")) {
            bench(c);
        } else if (program.startsWith("scripts/")) {
            script(c);
        } else if (program.equals("java") && c.args().stream().anyMatch(a -> a.endsWith(".java"))) {
            singleFileProgram(c, parseOnly);
        } else if (SHELL.contains(program) && !parseOnly) {
            Result r = run(c, List.of("bash", "-c", String.join(" ", rewritten(c.words()))));
            assertEquals(0, r.code(), c + ": failed:\n" + r.output());
        } else {
            assertTrue(parseOnly, c + ": the check can neither run nor parse " + program
                    + "; mark the block <!-- docs-check: parse only: REASON --> if it is right");
            if (program.equals("java")) {
                String main = c.args().get(c.args().indexOf("-cp") + 2);
                assertSourceOf(c, main);
            } else if (program.equals("spark-submit")) {
                assertSourceOf(c, c.args().get(c.args().indexOf("--class") + 1));
            } else if (program.endsWith("python3")) {
                assertTrue(Files.isRegularFile(ROOT.resolve(c.args().getFirst())), c + ": no such script");
            }
        }
    }

    private static void stride(DocBlocks.Command c, boolean parseOnly) throws Exception {
        if (c.args().getFirst().startsWith("spark-")) {
            assertTrue(Files.isRegularFile(ROOT.resolve("spark/src/test/java/dev/stride/cli/SparkDocsTest.java")), c + ": spark/'s SparkDocsTest parses it");
            return;
        }
        try {
            new CommandLine(new Main()).parseArgs(c.args().toArray(String[]::new));
        } catch (CommandLine.ParameterException e) {
            fail(c + ": stride's command line refuses it: " + e.getMessage());
        }
        if (parseOnly) {
            return;
        }
        List<String> command = new ArrayList<>(java());
        command.add(Main.class.getName());
        command.addAll(rewritten(c.args()));
        Result r = run(c, command);
        String error = c.output().stream().filter(l -> l.startsWith("stride " + c.args().getFirst() + ":")).findFirst().orElse(null);
        if (error == null) {
            assertEquals(0, r.code(), c + ": failed:\n" + r.output());
        } else {
            assertTrue(r.code() != 0, c + ": the page shows it failing, it succeeded:\n" + r.output());
            assertEquals(error, r.output().lines().filter(l -> l.startsWith("stride ")).findFirst().orElse(""), c + ": another error");
        }
    }

    /** `java -cp ... NAME.java ARGS`: a single-file program from a java block on the same page. */
    private static void singleFileProgram(DocBlocks.Command c, boolean parseOnly) throws Exception {
        String file = c.args().stream().filter(a -> a.endsWith(".java")).findFirst().orElseThrow();
        String name = file.substring(0, file.length() - ".java".length());
        DocBlocks.Block program = DocBlocks.of(c.block().page(), DocBlocks.read(ROOT.resolve(c.block().page()))).stream()
                .filter(b -> b.isJava() && b.text().contains("public class " + name + " ")).findFirst()
                .orElseThrow(() -> new AssertionError(c + ": no java block on the page declares public class " + name));
        if (parseOnly) {
            return;
        }
        Files.writeString(work.resolve(file), program.text());
        List<String> command = new ArrayList<>(java());
        List<String> args = c.args();
        command.addAll(rewritten(args.subList(args.indexOf(file), args.size())));
        Result r = run(c, command);
        assertEquals(0, r.code(), c + ": failed:\n" + r.output());
    }

    private static void maven(DocBlocks.Command c) throws IOException {
        List<String> args = c.args();
        Path pom = ROOT.resolve("pom.xml");
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (a.equals("-f")) {
                pom = ROOT.resolve(args.get(++i));
                assertTrue(Files.isRegularFile(pom), c + ": -f " + args.get(i) + ": no such file");
            } else if (a.startsWith("-Dtest=")) {
                for (String test : a.substring("-Dtest=".length()).split(",")) {
                    assertSourceOf(c, test);
                }
            } else if (a.startsWith("-D")) {
                assertTrue(a.length() > 2 && a.indexOf('=') != 2, c + ": " + a + " sets no property");
            } else if (a.startsWith("-")) {
                assertTrue(Set.of("-B", "-q", "-o", "-e", "-U").contains(a), c + ": " + a + ": not an option the pages' Maven lines use");
            } else if (a.contains(":")) {
                String pomText = Files.readString(pom);
                assertTrue(pomText.contains("maven-" + a.substring(0, a.indexOf(':')) + "-plugin"), c + ": " + a + ": the pom has no such plugin");
                if (a.contains("@")) {
                    assertTrue(pomText.contains("<id>" + a.substring(a.indexOf('@') + 1) + "</id>"), c + ": " + a + ": the pom has no such execution");
                }
            } else {
                assertTrue(MAVEN_PHASES.contains(a), c + ": " + a + ": not a Maven phase");
            }
        }
    }

    /** scripts/bench passes its arguments to JMH: JMH's parser, and a benchmark class by that name. */
    private static void bench(DocBlocks.Command c) throws Exception {
        CommandLineOptions options = new CommandLineOptions(c.args().toArray(String[]::new));
        assertTrue(!options.getIncludes().isEmpty(), c + ": names no benchmark");
        for (String benchmark : options.getIncludes()) {
            assertTrue(Files.isRegularFile(ROOT.resolve("src/jmh/java/dev/stride/bench/" + benchmark + ".java")),
                    c + ": no benchmark class " + benchmark + " in src/jmh/java/dev/stride/bench");
        }
    }

    /** Another script: it exists, each option is a case of its argument loop, and --help succeeds. */
    private static void script(DocBlocks.Command c) throws Exception {
        Path script = ROOT.resolve(c.program());
        assertTrue(Files.isExecutable(script), c + ": no such script");
        List<String> accepted = new ArrayList<>();
        Matcher m = SCRIPT_OPTION.matcher(Files.readString(script));
        while (m.find()) {
            accepted.addAll(List.of(m.group(1).split("\\|")));
        }
        for (String a : c.args()) {
            if (a.startsWith("-")) {
                assertTrue(accepted.contains(a), c + ": " + a + " is not among the options " + c.program() + " accepts " + accepted);
            }
        }
        if (accepted.contains("--help")) {
            Result r = run(c, List.of(script.toString(), "--help"));
            assertEquals(0, r.code(), c.program() + " --help failed:\n" + r.output());
        }
    }

    /** A class named in a command has a source file in the repository (core or spark/, main, test or jmh). */
    private static void assertSourceOf(DocBlocks.Command c, String className) throws IOException {
        String file = className.substring(className.lastIndexOf('.') + 1) + ".java";
        try (Stream<Path> sources = Stream.of("src", "spark/src").flatMap(DocsCommandsTest::walk)) {
            assertTrue(sources.anyMatch(p -> p.getFileName().toString().equals(file)), c + ": no class " + className + " in the sources");
        }
    }

    private static Stream<Path> walk(String dir) {
        try {
            return Files.walk(ROOT.resolve(dir));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static List<String> java() {
        return List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "--enable-native-access=ALL-UNNAMED",
                "--add-modules=jdk.incubator.vector", "-Djava.awt.headless=true", "-cp", System.getProperty("java.class.path"));
    }

    /**
     * Paths under /tmp/ and ~/ taken under the working folder, their folder made (as the page's
     * earlier steps, parse only, would have made it).
     */
    private static List<String> rewritten(List<String> words) throws IOException {
        List<String> out = new ArrayList<>();
        for (String w : words) {
            String path = w.startsWith("/tmp/") ? work + w : w.startsWith("~/") ? work.resolve("home") + w.substring(1) : null;
            if (path != null) {
                Files.createDirectories(Path.of(path).getParent());
            }
            out.add(path != null ? path : w);
        }
        return out;
    }

    private record Result(int code, String output) {
    }

    private static Result run(DocBlocks.Command c, List<String> command) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(command).directory(work.toFile()).redirectErrorStream(true);
        builder.environment().putAll(c.env());
        builder.environment().remove("STRIDE_DEBUG");
        Process p = builder.start();
        p.getOutputStream().close();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail(c + ": still running after 120 s");
        }
        return new Result(p.exitValue(), output);
    }
}
