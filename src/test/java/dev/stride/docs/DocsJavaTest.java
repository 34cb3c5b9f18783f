package dev.stride.docs;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Every ```java block in README.md and docs/*.md, read from the page, wrapped in the harness below
 * that gives it what it takes as given (an arena, a checkpoint, an image, MNIST's files made small),
 * compiled against the library and run in a JVM of its own whose working directory is a fresh
 * folder, so a block that writes "lenet5.stride" writes it there. Editing a block changes what runs;
 * a block without a harness fails until one is added here. A block marked
 * {@code <!-- docs-check: compile only: REASON -->} is compiled and not run.
 */
class DocsJavaTest {
    private static final Path ROOT = Path.of("").toAbsolutePath();

    private static final String IMPORTS = """
            import dev.stride.blas.*;
            import dev.stride.data.*;
            import dev.stride.docs.SnippetFixtures;
            import dev.stride.infer.*;
            import dev.stride.nn.*;
            import dev.stride.onnx.*;
            import dev.stride.optim.*;
            import dev.stride.tensor.*;
            import dev.stride.train.*;
            import javax.imageio.ImageIO;
            import java.awt.image.BufferedImage;
            import java.lang.foreign.Arena;
            import java.nio.file.Files;
            import java.nio.file.Path;
            import java.time.Duration;
            import java.util.ArrayList;
            import java.util.List;
            import java.util.Map;
            import java.util.concurrent.CompletableFuture;
            import static dev.stride.docs.SnippetFixtures.check;
            """;

    /** The README's quick start, on MNIST-format files of 256 + 64 images instead of MNIST's. */
    private static final String QUICK_START = IMPORTS + """
            public class Snippet {
                /** Stands in for dev.stride.data.MnistDownloader: the small files main wrote into mnist/. */
                static final class MnistDownloader {
                    static Path defaultDirectory() { return Path.of("mnist"); }
                    static Path ensure(Path dir, java.util.function.Consumer<String> progress) { return dir; }
                }

                public static void main(String[] args) throws Exception {
                    if (args.length == 1) {   // never true: keeps the block's calls compiled against the real class
                        dev.stride.data.MnistDownloader.ensure(dev.stride.data.MnistDownloader.defaultDirectory(), System.err::println);
                    }
                    SnippetFixtures.mnistFiles(Path.of("mnist"), 256, 64);
            BLOCK
                    check(Files.size(Path.of("lenet5.stride")) > 61706 * 4, "lenet5.stride holds LeNet-5's weights");
                }
            }
            """;

    /** Blocks that use a trained checkpoint, an image file and normalised inputs. */
    private static final String WITH_CHECKPOINT = IMPORTS + """
            public class Snippet {
                public static void main(String[] args) throws Exception {
                    Path checkpoint = SnippetFixtures.lenetCheckpoint(Path.of("lenet.ckpt"));
                    Path imageFile = SnippetFixtures.greyImage(Path.of("digit.png"));
                    int n = 20;
                    float[] inputs = new float[n * 28 * 28];
                    for (int i = 0; i < inputs.length; i++) {
                        inputs[i] = (float) Math.sin(i);
                    }
            BLOCK
                }
            }
            """;

    /** embedding.md's batching options: the expression, with the defaults its comment states. */
    private static final String BATCHING_OPTIONS = IMPORTS + """
            public class Snippet {
                public static void main(String[] args) throws Exception {
                    Path checkpoint = SnippetFixtures.lenetCheckpoint(Path.of("lenet.ckpt"));
                    try (InferenceModel model = InferenceModel.load(checkpoint, InferenceOptions.defaults().withMaxBatch(32))) {
                        BatchingOptions defaults = BatchingOptions.defaults(model);
                        check(defaults.equals(new BatchingOptions(32, Duration.ofMillis(2), 1024, 1)),
                                "defaults: the model's maxBatch, 2 ms, queue 1024, 1 worker; got " + defaults);
                        BatchingOptions options =
            BLOCK
                        ;
                        check(options.equals(new BatchingOptions(16, Duration.ofMillis(5), 4096, 2)), "got " + options);
                    }
                }
            }
            """;

    /** layers.md's composite: named by path, and through the gradient check. */
    private static final String COMPOSITE = IMPORTS + """
            BLOCK

            public class Snippet {
                public static void main(String[] args) {
                    try (Arena arena = Arena.ofConfined()) {
                        Sequential model = new Sequential(new TwoConvs(2), new Tanh());
                        model.build(Shape.of(2, 2, 5, 5), arena);
                        check(List.copyOf(model.state().keySet()).equals(
                                List.of("0.conv1.weight", "0.conv1.bias", "0.conv2.weight", "0.conv2.bias")), "names " + model.state().keySet());
                        Init.xavier(1).apply(model.parameters());
                        dev.stride.testing.GradientCheck.checkLayer(model, dev.stride.testing.GradientCheck.random(arena, 2, 2, 2, 5, 5), 3);
                    }
                }
            }
            """;

    /** Blocks that only need an arena. */
    private static final String WITH_ARENA = IMPORTS + """
            public class Snippet {
                public static void main(String[] args) throws Exception {
                    try (Arena arena = Arena.ofShared()) {
            BLOCK
                    }
                }
            }
            """;

    /** onnx-import.md's fine-tuning set-up on the LeNet fixture, then one step: the head moves, the rest stays. */
    private static final String FINE_TUNE = IMPORTS + """
            public class Snippet {
                public static void main(String[] args) throws Exception {
                    Path onnx = Path.of(args[0]);
                    try (Arena arena = Arena.ofShared()) {
            BLOCK
                        SoftmaxCrossEntropy loss = new SoftmaxCrossEntropy();
                        loss.build(model.outputShape(), arena);
                        float[] before = frozen.getFirst().value().toArray();
                        float[] headBefore = head.parameters().getFirst().value().toArray();
                        Tensor x = Tensor.zeros(arena, model.inputShape());
                        model.zeroGrad();
                        loss.forward(model.forward(x), new int[] {0, 1, 2, 0, 1, 2, 0, 1});
                        model.backward(loss.backward());
                        sgd.step();
                        check(java.util.Arrays.equals(before, frozen.getFirst().value().toArray()), "a frozen weight moved");
                        check(!java.util.Arrays.equals(headBefore, head.parameters().getFirst().value().toArray()), "the head did not move");
                    }
                }
            }
            """;

    /** own-images.md's fine-tuning, on a folder of 28x28 digits and the LeNet ONNX fixture; it must leave its checkpoint. */
    private static final String FINE_TUNE_FOLDER = IMPORTS + """
            public class Snippet {
                public static void main(String[] args) throws Exception {
            BLOCK
                    check(CheckpointFile.read(Path.of("runs/tuned.stride")).metadata().get(CheckpointMetadata.CLASSES).equals("0,1,2,3,4,5,6,7,8,9"),
                            "runs/tuned.stride names the folder's classes");
                }
            }
            """;

    /**
     * @param template the source with a line "BLOCK" where the block goes; null when the block is a
     *                 whole program
     * @param before   makes what the program reads in its working directory
     * @param after    checks what it wrote there
     */
    record Harness(String template, List<String> args, Check before, Check after) {
        static Harness of(String template, String... args) {
            return new Harness(template, List.of(args), dir -> { }, dir -> { });
        }
    }

    interface Check {
        void verify(Path dir) throws IOException;
    }

    /** A block of Spark's API, which only spark/'s class path has: spark/'s SparkDocsTest compiles it. */
    private static final Harness SPARK = Harness.of(null);

    /** Each page's java blocks, in their order on the page. */
    private static final Map<String, List<Harness>> HARNESSES = Map.of(
            "README.md", List.of(Harness.of(QUICK_START), Harness.of(WITH_CHECKPOINT)),
            "docs/getting-started.md", List.of(Harness.of(QUICK_START)),
            "docs/embedding.md", List.of(Harness.of(WITH_CHECKPOINT), Harness.of(BATCHING_OPTIONS)),
            "docs/layers.md", List.of(Harness.of(COMPOSITE)),
            "docs/model-zoo.md", List.of(Harness.of(WITH_ARENA)),
            "docs/spark.md", List.of(SPARK),
            "docs/onnx-import.md", List.of(Harness.of(FINE_TUNE, ROOT.resolve("src/test/resources/onnx/lenet_opset13.onnx").toString())),
            "docs/own-images.md", List.of(new Harness(null, List.of("mnist", "digits", "30", "10"),
                    dir -> SnippetFixtures.mnistFiles(dir.resolve("mnist"), 100, 40), DocsJavaTest::digitFolders),
                    new Harness(FINE_TUNE_FOLDER, List.of(), dir -> {
                        SnippetFixtures.digitFolder(dir.resolve("digits"), 200, 50);
                        Files.copy(ROOT.resolve("src/test/resources/onnx/lenet_opset13.onnx"),
                                Files.createDirectories(dir.resolve("runs/digits")).resolve("digits.onnx"));
                    }, dir -> { })));

    @TempDir
    Path dir;

    @TestFactory
    Stream<DynamicTest> everyJavaBlockCompilesAndRuns() {
        Map<String, Integer> seen = new HashMap<>();
        java.util.Set<String> ran = new java.util.HashSet<>();
        return DocBlocks.all(ROOT).stream().filter(DocBlocks.Block::isJava).map(block -> {
            int index = seen.merge(block.page(), 1, Integer::sum) - 1;
            return DynamicTest.dynamicTest(block.where(), () -> {
                List<Harness> harnesses = HARNESSES.getOrDefault(block.page(), List.of());
                assertTrue(index < harnesses.size(), block.where() + ": no harness for this java block; add one to DocsJavaTest.HARNESSES");
                Harness harness = harnesses.get(index);
                if (harness == SPARK) {
                    assertTrue(DocBlocks.read(ROOT.resolve("spark/src/test/java/dev/stride/cli/SparkDocsTest.java")).contains(block.page()),
                            block.where() + ": spark/'s SparkDocsTest compiles this block");
                    return;
                }
                // The README's quick start stands in getting-started.md too: the same text in the same harness runs once.
                if (ran.add(harness.template() + block.text() + harness.args())) {
                    run(block, harness, Files.createDirectories(dir.resolve(block.page().replace('/', '_') + "-" + index)));
                }
            });
        });
    }

    @TestFactory
    Stream<DynamicTest> everyHarnessHasItsBlock() {
        return HARNESSES.entrySet().stream().map(e -> DynamicTest.dynamicTest(e.getKey(), () -> {
            long blocks = DocBlocks.of(e.getKey(), DocBlocks.read(ROOT.resolve(e.getKey()))).stream().filter(DocBlocks.Block::isJava).count();
            assertEquals(e.getValue().size(), blocks, e.getKey() + ": the page's java blocks and DocsJavaTest's harnesses differ in number");
        }));
    }

    /** Writes the harness with the block in it, compiles it against the test class path and runs it in {@code work}. */
    private static void run(DocBlocks.Block block, Harness harness, Path work) throws Exception {
        String source = harness.template() == null ? block.text() : harness.template().replace("BLOCK\n", block.text());
        String mainClass = harness.template() == null ? programName(block) : "Snippet";
        Path classes = Files.createDirectories(work.resolve("classes"));
        Path file = Files.createDirectories(work.resolve("src")).resolve(mainClass + ".java");
        Files.writeString(file, source);
        // java.util.spi's ToolProvider: javax.tools is in a module the test sources, compiled as dev.stride, do not read.
        java.util.spi.ToolProvider javac = java.util.spi.ToolProvider.findFirst("javac").orElseThrow();
        java.io.StringWriter errors = new java.io.StringWriter();
        java.io.PrintWriter errorWriter = new java.io.PrintWriter(errors);
        int compiled = javac.run(errorWriter, errorWriter, "-proc:none", "-Xlint:none", "-nowarn", "-cp", System.getProperty("java.class.path"),
                "-d", classes.toString(), file.toString());
        if (compiled != 0) {
            fail(block.where() + ": the block does not compile in its harness (" + file + "):\n" + errors);
        }
        if (block.marked("compile only")) {
            return;
        }
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "--add-modules=jdk.incubator.vector", "-Djava.awt.headless=true",
                "-cp", classes + java.io.File.pathSeparator + System.getProperty("java.class.path"), mainClass));
        command.addAll(harness.args());
        harness.before().verify(work);
        Process p = new ProcessBuilder(command).directory(work.toFile()).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), block.where() + ": still running after 120 s");
        assertEquals(0, p.exitValue(), block.where() + ": the block failed in its harness (" + file + "):\n" + output);
        harness.after().verify(work);
    }

    /** The public class a whole-program block declares. */
    private static String programName(DocBlocks.Block block) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?m)^public (?:final )?class (\\w+)").matcher(block.text());
        assertTrue(m.find(), block.where() + ": a block run as a program declares a public class");
        return m.group(1);
    }

    /** own-images.md's program: digits/train and digits/test hold as many PNGs as asked, in folders named by digit. */
    private static void digitFolders(Path work) throws IOException {
        for (String split : List.of("train", "test")) {
            Path root = work.resolve("digits").resolve(split);
            try (Stream<Path> classes = Files.list(root); Stream<Path> images = Files.walk(root)) {
                assertTrue(classes.allMatch(c -> c.getFileName().toString().matches("[0-9]")), root + " holds one folder per digit");
                assertEquals(split.equals("train") ? 30 : 10, images.filter(f -> f.toString().endsWith(".png")).count(), root.toString());
            }
        }
    }
}
