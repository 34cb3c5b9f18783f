package dev.stride.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class FashionMnistTest {
    private static final Path DEBIAN = Path.of(FashionMnist.DEBIAN_DIR);

    @Test
    void installsFromDebiansPackageVerifyingTheUncompressedBytes(@TempDir Path dir) throws IOException {
        assumeTrue(Files.isDirectory(DEBIAN), "Debian's dataset-fashion-mnist is not installed (.ci/run installs it)");
        List<String> log = new ArrayList<>();
        FashionMnist.ensure(dir, DEBIAN, List.of(), log::add);
        assertTrue(log.stream().anyMatch(l -> l.contains("installed from " + DEBIAN)), String.join("\n", log));
        Dataset train = FashionMnist.train(dir);
        Dataset test = FashionMnist.test(dir);
        assertEquals(60_000, train.count());
        assertEquals(10_000, test.count());
        assertEquals(28, train.height());
        assertEquals("Ankle boot", test.classNames().get(9));
        assertEquals(9, test.label(0), "the first test image is an ankle boot");
        log.clear();
        FashionMnist.ensure(dir, DEBIAN, List.of(), log::add);
        assertTrue(log.stream().allMatch(l -> l.contains("present, SHA-256 verified")), String.join("\n", log));
    }

    @Test
    void aPackageWithOtherContentIsRefusedNamingTheFile(@TempDir Path dir) throws IOException {
        Path pkg = Files.createDirectories(dir.resolve("pkg"));
        for (ExpectedFile f : FashionMnist.files()) {
            try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(pkg.resolve(f.name() + ".gz")))) {
                out.write(new byte[100]);
            }
        }
        List<String> log = new ArrayList<>();
        IOException e = assertThrows(IOException.class, () -> FashionMnist.ensure(dir.resolve("cache"), pkg, List.of(), log::add));
        assertTrue(e.getMessage().contains("train-images-idx3-ubyte"), e.getMessage());
        assertTrue(log.stream().anyMatch(l -> l.contains("SHA-256 mismatch")), String.join("\n", log));
        assertFalse(Files.exists(dir.resolve("cache").resolve("train-images-idx3-ubyte")), "nothing wrong is installed");
    }
}
