package dev.stride.onnx;

import dev.stride.blas.Gemm;
import dev.stride.data.Normalization;
import dev.stride.nn.Layer;
import dev.stride.nn.Sequential;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Imports a CNN from an ONNX file (as {@code torch.onnx.export} writes them, opsets 9 to 17) into a
 * Stride model of Stride's own layers, weights included:
 * {@code ImportedModel m = OnnxImporter.read(path, gemm); Layer net = m.build(arena, batch, options);}.
 * The graph is checked whole before anything is built: every unsupported operator and attribute
 * is listed in one {@link OnnxImportException}; an unreadable file is an {@link OnnxFormatException}.
 *
 * <p>The input is taken as pixels scaled to [0, 1] (the identity normalisation) unless the file's
 * metadata says otherwise: Stride's exporter writes {@code stride.norm.mean},
 * {@code stride.norm.std} (comma-separated floats) and {@code stride.classes} (names joined with
 * commas, a comma or backslash in a name escaped with a backslash).
 */
public final class OnnxImporter {
    // The metadata keys are the exporter's: a model Stride wrote comes back with its normalisation and names.
    private static final String MEAN_KEY = OnnxExporter.MEAN_KEY;
    private static final String STD_KEY = OnnxExporter.STD_KEY;
    private static final String CLASSES_KEY = OnnxExporter.CLASSES_KEY;

    private OnnxImporter() {
    }

    /**
     * Reads an ONNX file and converts it into Stride's layers.
     *
     * @param file the ONNX file
     * @param gemm the backend for the layers that multiply matrices
     * @return the model, to be built before use
     * @throws IOException when the file cannot be read or decoded ({@link OnnxFormatException})
     * @throws OnnxImportException when the graph has what Stride cannot import
     */
    public static ImportedModel read(Path file, Gemm gemm) throws IOException {
        return convert(file.toString(), OnnxReader.read(file), gemm);
    }

    /**
     * Converts a decoded model; {@code source} names it in errors.
     *
     * @param source the model's name for messages
     * @param model the decoded model
     * @param gemm the backend for the layers that multiply matrices
     * @return the model, to be built before use
     * @throws OnnxImportException when the graph has what Stride cannot import
     */
    public static ImportedModel convert(String source, OnnxModel model, Gemm gemm) {
        OnnxGraphConverter.Converted c = new OnnxGraphConverter(source, gemm).convert(model);
        SeriesParallel tree = new SeriesParallel(source, c.input(), c.producers(), gemm);
        Sequential root = tree.tree(c.input(), c.output());
        Map<Layer, Map<String, float[]>> weights = new IdentityHashMap<>(tree.weights());
        Normalization norm = normalization(source, model.metadata(), c);
        String classes = model.metadata().getOrDefault(CLASSES_KEY, "");
        List<String> notes = new ArrayList<>(c.notes());
        return new ImportedModel(root, c.sample(), norm, classes, notes, weights, gemm);
    }

    /**
     * The normalisation the graph applies to its input (a Sub and Div on it, as Stride exports),
     * else the one its metadata names, else none: pixels in [0, 1]. Both present must agree.
     */
    private static Normalization normalization(String source, Map<String, String> meta, OnnxGraphConverter.Converted c) {
        int channels = c.sample()[0];
        Normalization fromMeta = normalization(source, meta, channels);
        if (c.mean() == null && c.std() == null) {
            return fromMeta == null ? Normalization.identity(channels) : fromMeta;
        }
        float[] mean = c.mean() != null ? c.mean() : new float[channels];
        float[] std = c.std() != null ? c.std() : Normalization.identity(channels).std();
        Normalization fromGraph;
        try {
            fromGraph = new Normalization(mean, std);
        } catch (IllegalArgumentException e) {
            throw new OnnxImportException(source + ": the graph's input normalisation is not one Stride can use: " + e.getMessage());
        }
        if (fromMeta != null && !fromMeta.equals(fromGraph)) {
            throw new OnnxImportException(source + ": the graph normalises its input with " + fromGraph + " but its metadata says "
                    + fromMeta + "; fix the metadata or the graph");
        }
        return fromGraph;
    }

    private static Normalization normalization(String source, Map<String, String> meta, int channels) {
        String mean = meta.get(MEAN_KEY), std = meta.get(STD_KEY);
        if (mean == null && std == null) {
            return null;
        }
        try {
            Normalization n = Normalization.parse(mean, std);
            if (n.channels() != channels) {
                throw new IllegalArgumentException(n.channels() + " channels where the input has " + channels);
            }
            return n;
        } catch (RuntimeException e) {
            throw new OnnxImportException(source + ": metadata " + MEAN_KEY + "='" + mean + "', " + STD_KEY + "='" + std
                    + "' is not a normalisation for this model: " + e.getMessage());
        }
    }
}
