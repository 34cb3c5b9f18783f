package dev.stride.cli;

import dev.stride.blas.GemmBackend;
import dev.stride.nn.BuildOptions;
import dev.stride.onnx.OnnxExport;
import dev.stride.onnx.OnnxExportOptions;
import dev.stride.onnx.OnnxExporter;
import dev.stride.train.ModelCheckpoint;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code stride export}: a checkpoint's model as an ONNX file that takes what {@code stride predict} takes. */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = "Export a checkpoint's model to ONNX: input pixels in [0, 1], the normalisation as its first nodes, "
                + "outputs scores (logits) and probabilities. See docs/onnx.md.")
final class ExportCommand implements Callable<Integer> {
    @Option(names = "--checkpoint", required = true, description = "Checkpoint file written by stride train.")
    Path checkpoint;

    @Option(names = "--onnx", required = true, description = "The ONNX file to write (replaced if present).")
    Path onnx;

    @Option(names = "--opset", defaultValue = "13",
            description = "ONNX operator set, " + OnnxExportOptions.MIN_OPSET + " to " + OnnxExportOptions.MAX_OPSET + " (default ${DEFAULT-VALUE}).")
    int opset;

    @Option(names = "--fold-batchnorm", description = "Fold each BatchNorm2d into the convolution before it.")
    boolean foldBatchNorm;

    @Override
    public Integer call() throws IOException {
        if (opset < OnnxExportOptions.MIN_OPSET || opset > OnnxExportOptions.MAX_OPSET) {
            throw new CliException("--opset " + opset + ": not an operator set this export writes",
                    "choose " + OnnxExportOptions.MIN_OPSET + " to " + OnnxExportOptions.MAX_OPSET + " (13 is read by every current runtime)");
        }
        CliPaths.readableFile(checkpoint, "--checkpoint", "a checkpoint written by stride train");
        CliPaths.writableFile(onnx, "--onnx");
        OnnxExport export;
        // Export reads the weights only: a batch-1 inference build on the Java GEMM allocates the least.
        try (Arena arena = Arena.ofConfined()) {
            ModelCheckpoint.Loaded loaded = ModelCheckpoint.load(checkpoint, GemmBackend.java(), arena, 1,
                    BuildOptions.inference().withThreads(1));
            Map<String, String> meta = new LinkedHashMap<>();
            String classes = loaded.checkpoint().metadata().get(DataChoice.CLASSES_KEY);
            if (classes != null) {
                meta.put(OnnxExporter.CLASSES_KEY, classes);
            }
            try {
                export = OnnxExporter.export(loaded.model(), loaded.normalization(), meta,
                        new OnnxExportOptions(opset, foldBatchNorm));
            } catch (IllegalArgumentException e) {
                int cut = e.getMessage().indexOf("; ");
                String problem = cut < 0 ? e.getMessage() : e.getMessage().substring(0, cut);
                String fix = cut < 0 ? "export a model built from the layers docs/onnx.md lists" : e.getMessage().substring(cut + 2);
                throw new CliException("--checkpoint " + checkpoint + ": " + problem, fix, e);
            }
        }
        try {
            export.write(onnx);
        } catch (IOException e) {
            throw new CliException("--onnx " + onnx + ": cannot write it (" + CliPaths.reason(e) + ")", "choose a path you can write to", e);
        }
        System.out.println("wrote " + onnx + " (" + export.bytes().length + " bytes, opset " + opset + ", "
                + export.operators().size() + " nodes: " + String.join(" ", new LinkedHashSet<>(export.operators())) + ")");
        return 0;
    }
}
