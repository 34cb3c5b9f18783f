package dev.stride.reference;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/** Writes hand-made reference cases for the reader's own tests. */
final class CaseFiles {
    private CaseFiles() {
    }

    /** Creates {@code dir} with a {@code case.txt} made of the given lines. */
    static Path caseDir(Path dir, String... lines) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve(ReferenceCase.CASE_FILE), String.join("\n", lines) + "\n");
        return dir;
    }

    static void floats(Path file, float... values) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(values);
        Files.write(file, b.array());
    }

    static void ints(Path file, int... values) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asIntBuffer().put(values);
        Files.write(file, b.array());
    }

    /** A minimal valid relu case named {@code name}: x and y of shape [2]. */
    static Path reluCase(Path dir, String name) throws IOException {
        caseDir(dir, "case " + name, "op relu",
                "array x float32 x.f32 input 1 2",
                "array y float32 y.f32 expected 1 2");
        floats(dir.resolve("x.f32"), -1f, 2f);
        floats(dir.resolve("y.f32"), 0f, 2f);
        return dir;
    }
}
