package dev.stride.reference;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One reference case directory, read from its {@code case.txt} (the reference-case format of
 * reference-cases.md, which scripts/make-reference-cases writes). Loading checks every
 * line and that every array file exists with exactly the size its shape implies, so a broken case
 * fails on load with the file and line to fix, not later inside an op with a bad index.
 */
public final class ReferenceCase {
    public static final String CASE_FILE = "case.txt";

    private final Path dir;
    private final String name;
    private final String op;
    private final Map<String, String> params;
    private final Map<String, ReferenceArray> arrays;

    private ReferenceCase(Path dir, String name, String op, Map<String, String> params,
                          Map<String, ReferenceArray> arrays) {
        this.dir = dir;
        this.name = name;
        this.op = op;
        this.params = Collections.unmodifiableMap(params);
        this.arrays = Collections.unmodifiableMap(arrays);
    }

    /** Reads {@code dir/case.txt} and checks the array files it names. */
    public static ReferenceCase load(Path dir) {
        Path caseFile = dir.resolve(CASE_FILE);
        if (!Files.isRegularFile(caseFile)) {
            throw new IllegalArgumentException("reference case directory " + dir + " has no " + CASE_FILE);
        }
        String name = null;
        String op = null;
        Map<String, String> params = new LinkedHashMap<>();
        Map<String, ReferenceArray> arrays = new LinkedHashMap<>();
        for (CaseLines l : CaseLines.read(caseFile)) {
            String where = l.where();
            String[] words = l.words();
            switch (words[0]) {
                case "case" -> name = single(where, "case", name, words);
                case "op" -> op = single(where, "op", op, words);
                case "param" -> {
                    if (words.length < 3) {
                        throw new IllegalArgumentException(where + "expected 'param <key> <value...>'");
                    }
                    String value = l.text().split("\\s+", 3)[2];
                    if (params.put(words[1], value) != null) {
                        throw new IllegalArgumentException(where + "param '" + words[1] + "' is given twice");
                    }
                }
                case "array" -> {
                    ReferenceArray a = parseArray(where, words);
                    if (arrays.put(a.name(), a) != null) {
                        throw new IllegalArgumentException(where + "array '" + a.name() + "' is given twice");
                    }
                }
                default -> throw new IllegalArgumentException(
                        where + "unknown line kind '" + words[0] + "'; expected case, op, param or array");
            }
        }
        if (name == null || op == null) {
            throw new IllegalArgumentException(caseFile + " must have a 'case <name>' and an 'op <op>' line");
        }
        for (ReferenceArray a : arrays.values()) {
            checkFile(dir, name, a);
        }
        return new ReferenceCase(dir, name, op, params, arrays);
    }

    private static String single(String where, String key, String previous, String[] words) {
        if (words.length != 2) {
            throw new IllegalArgumentException(where + "expected '" + key + " <one word>'");
        }
        if (previous != null) {
            throw new IllegalArgumentException(where + "'" + key + "' is given twice");
        }
        return words[1];
    }

    private static ReferenceArray parseArray(String where, String[] words) {
        String usage = "expected 'array <name> <dtype> <file> <role> <ndim> <d0> <d1> ...'";
        if (words.length < 7) {
            throw new IllegalArgumentException(where + usage);
        }
        String dtype = words[2];
        if (!dtype.equals(ReferenceArray.FLOAT32) && !dtype.equals(ReferenceArray.INT32)) {
            throw new IllegalArgumentException(where + "dtype must be float32 or int32, got '" + dtype + "'");
        }
        String file = words[3];
        if (!CaseLines.plainName(file)) {
            throw new IllegalArgumentException(where + "the file must be a plain name inside the case directory, got '" + file + "'");
        }
        String role = words[4];
        if (!role.equals(ReferenceArray.INPUT) && !role.equals(ReferenceArray.EXPECTED)) {
            throw new IllegalArgumentException(where + "role must be input or expected, got '" + role + "'");
        }
        int ndim = parseInt(where, "ndim", words[5]);
        if (ndim < 1 || words.length != 6 + ndim) {
            throw new IllegalArgumentException(where + "ndim " + words[5] + " needs exactly that many dimensions after it, "
                    + "got " + (words.length - 6) + "; " + usage);
        }
        int[] dims = new int[ndim];
        for (int d = 0; d < ndim; d++) {
            dims[d] = parseInt(where, "dimension " + d, words[6 + d]);
            if (dims[d] < 1) {
                throw new IllegalArgumentException(where + "dimension " + d + " must be at least 1, got " + dims[d]);
            }
        }
        return new ReferenceArray(words[1], dtype, file, role, dims);
    }

    private static int parseInt(String where, String what, String word) {
        try {
            return Integer.parseInt(word);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(where + what + " must be an integer, got '" + word + "'", e);
        }
    }

    private static void checkFile(Path dir, String name, ReferenceArray a) {
        Path file = dir.resolve(a.file());
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("reference case " + name + ": array '" + a.name()
                    + "' names file " + file + ", which does not exist");
        }
        long bytes;
        try {
            bytes = Files.size(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the size of " + file, e);
        }
        if (bytes != a.byteSize()) {
            throw new IllegalArgumentException("reference case " + name + ": array '" + a.name() + "' has shape "
                    + a.dimsString() + " (" + a.size() + " " + a.dtype() + " values = " + a.byteSize()
                    + " bytes) but " + file + " holds " + bytes + " bytes");
        }
    }

    public Path dir() {
        return dir;
    }

    public String name() {
        return name;
    }

    public String op() {
        return op;
    }

    /** Every param line, key to the rest of its line, in file order. */
    public Map<String, String> params() {
        return params;
    }

    public boolean hasParam(String key) {
        return params.containsKey(key);
    }

    public String param(String key) {
        String v = params.get(key);
        if (v == null) {
            throw new IllegalArgumentException(this + " has no param '" + key + "'; it has " + params.keySet());
        }
        return v;
    }

    public int intParam(String key) {
        String v = param(key);
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(this + ": param '" + key + "' must be an integer, got '" + v + "'", e);
        }
    }

    public float floatParam(String key) {
        String v = param(key);
        try {
            return Float.parseFloat(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(this + ": param '" + key + "' must be a number, got '" + v + "'", e);
        }
    }

    /** Only {@code true} and {@code false} are accepted: a typo must not read as false. */
    public boolean boolParam(String key) {
        String v = param(key);
        return switch (v) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException(
                    this + ": param '" + key + "' must be true or false, got '" + v + "'");
        };
    }

    /** For params that older or foreign case sets may leave out, such as {@code bias}. */
    public boolean boolParam(String key, boolean absent) {
        return hasParam(key) ? boolParam(key) : absent;
    }

    /** Every array line in file order. */
    public List<ReferenceArray> arrays() {
        return List.copyOf(arrays.values());
    }

    public List<ReferenceArray> expectedArrays() {
        List<ReferenceArray> out = new ArrayList<>();
        for (ReferenceArray a : arrays.values()) {
            if (a.isExpected()) {
                out.add(a);
            }
        }
        return out;
    }

    public boolean hasArray(String arrayName) {
        return arrays.containsKey(arrayName);
    }

    public ReferenceArray array(String arrayName) {
        ReferenceArray a = arrays.get(arrayName);
        if (a == null) {
            throw new IllegalArgumentException(this + " has no array '" + arrayName + "'; it has " + arrays.keySet());
        }
        return a;
    }

    /** The values of a {@code float32} array. */
    public float[] floats(String arrayName) {
        ReferenceArray a = typed(arrayName, ReferenceArray.FLOAT32);
        float[] out = new float[Math.toIntExact(a.size())];
        read(a).asFloatBuffer().get(out);
        return out;
    }

    /** The values of an {@code int32} array (class labels). */
    public int[] ints(String arrayName) {
        ReferenceArray a = typed(arrayName, ReferenceArray.INT32);
        int[] out = new int[Math.toIntExact(a.size())];
        read(a).asIntBuffer().get(out);
        return out;
    }

    private ReferenceArray typed(String arrayName, String dtype) {
        ReferenceArray a = array(arrayName);
        if (!a.dtype().equals(dtype)) {
            throw new IllegalArgumentException(this + ": array '" + arrayName + "' is " + a.dtype()
                    + ", read it as " + a.dtype() + " not " + dtype);
        }
        return a;
    }

    private ByteBuffer read(ReferenceArray a) {
        Path file = dir.resolve(a.file());
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        // Checked on load too; checked again because the file may have changed since.
        if (bytes.length != a.byteSize()) {
            throw new IllegalArgumentException(this + ": " + file + " holds " + bytes.length
                    + " bytes, shape " + a.dimsString() + " needs " + a.byteSize());
        }
        return ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }

    @Override
    public String toString() {
        return "reference case " + name + " (" + op + ")";
    }
}
