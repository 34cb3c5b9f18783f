package dev.stride.cli;

import dev.stride.blas.GemmBackend;
import dev.stride.data.Normalization;
import dev.stride.nn.BuildOptions;
import dev.stride.nn.Layer;
import dev.stride.onnx.ImportedModel;
import dev.stride.onnx.OnnxImportException;
import dev.stride.onnx.OnnxImporter;
import dev.stride.train.ModelCheckpoint;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code stride import}: an ONNX CNN into a checkpoint that eval, predict and train's resume read. */
@Command(name = "import", mixinStandardHelpOptions = true,
        description = "Import a CNN from an ONNX file (torch.onnx.export, opsets 9 to 17), weights included, into a Stride checkpoint.")
final class ImportCommand implements Callable<Integer> {
    @Option(names = "--onnx", required = true, description = "The ONNX file.")
    Path onnx;

    @Option(names = "--out", required = true, description = "The checkpoint to write.")
    Path out;

    @Option(names = "--mean", paramLabel = "M1,M2,..", description = "Per-channel mean of [0, 1] pixels the model was trained with "
            + "(default: the file's stride.norm.mean, else 0: the model takes pixels in [0, 1]).")
    String mean;

    @Option(names = "--std", paramLabel = "S1,S2,..", description = "Per-channel std, with --mean (default: the file's, else 1).")
    String std;

    @Option(names = "--classes", paramLabel = "NAMES", description = "Class names, comma-separated (a comma in a name as \\,) "
            + "(default: the file's stride.classes, else numbers).")
    String classes;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        CliPaths.readableFile(onnx, "--onnx", "an ONNX model file");
        CliPaths.writableFile(out, "--out");
        if ((mean == null) != (std == null)) {
            throw new CliException("--mean and --std go together: got only " + (mean == null ? "--std" : "--mean"),
                    "give both, one value per input channel (e.g. --mean 0.1307 --std 0.3081)");
        }
        ImportedModel imported;
        try {
            // No arithmetic happens here: the Java GEMM spares loading OpenBLAS; eval and predict pick their own.
            imported = OnnxImporter.read(onnx, GemmBackend.java());
        } catch (OnnxImportException e) {
            PrintWriter err = spec.commandLine().getErr();
            e.getMessage().lines().forEach(l -> err.println("stride import: " + l.strip()));
            err.flush();
            return 1;
        }
        int channels = imported.inputShape(1).dim(1);
        if (mean != null) {
            imported = imported.withNormalization(normalization(channels));
        }
        if (classes != null) {
            imported = imported.withClasses(classes);
        }
        try (Arena arena = Arena.ofConfined()) {
            Layer model = imported.build(arena, 1, BuildOptions.inference(), 0);
            int outputs = model.outputShape().dim(1);
            List<String> names = DataChoice.splitNames(imported.classes());
            if (!names.isEmpty() && names.size() != outputs) {
                throw new CliException("--classes names " + names.size() + " classes but the model has " + outputs + " outputs",
                        "give " + outputs + " names, comma-separated");
            }
            Map<String, String> meta = new LinkedHashMap<>();
            if (!names.isEmpty()) {
                meta.put(DataChoice.CLASSES_KEY, imported.classes());
            }
            meta.put("imported_from", onnx.getFileName().toString());
            ModelCheckpoint.save(out, model, imported.normalization(), null, new ModelCheckpoint.Progress(0, 0, 0), meta);
            PrintStream o = System.out;
            for (String note : imported.notes()) {
                o.println("note: " + note);
            }
            Normalization norm = imported.normalization();
            o.printf(Locale.ROOT, "imported %s: input %dx%dx%d (normalised with mean %s, std %s), %d outputs, %,d parameters -> %s%n",
                    onnx, channels, model.inputShape().dim(2), model.inputShape().dim(3), norm.meanText(), norm.stdText(),
                    outputs, model.parameterCount(), out);
        }
        return 0;
    }

    private Normalization normalization(int channels) {
        float[] m = floats("--mean", mean);
        float[] s = floats("--std", std);
        if (m.length != channels || s.length != channels) {
            throw new CliException("--mean and --std give " + m.length + " and " + s.length + " values, but the model's input has "
                    + channels + " channels", "give one value per channel, comma-separated");
        }
        try {
            return new Normalization(m, s);
        } catch (IllegalArgumentException e) {
            throw new CliException("--mean/--std: " + e.getMessage(), "give finite means and positive stds");
        }
    }

    private static float[] floats(String option, String text) {
        try {
            return Normalization.values(text);
        } catch (NumberFormatException e) {
            throw new CliException(option + " " + text + ": not comma-separated numbers", "e.g. " + option + " 0.5,0.5,0.5");
        }
    }
}
