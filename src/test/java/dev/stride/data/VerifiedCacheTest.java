package dev.stride.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

class VerifiedCacheTest {
    @TempDir
    Path dir;

    private final List<String> log = new ArrayList<>();
    private final byte[] good = "the real content".getBytes(StandardCharsets.UTF_8);
    private final ExpectedFile file = new ExpectedFile("data-idx1-ubyte", good.length, sha(good));

    /** Serves fixed bytes per name, or fails like an unreachable mirror; counts its calls. */
    private static final class FakeSource implements FileSource {
        final String name;
        final Map<String, byte[]> content;
        int calls;

        FakeSource(String name, Map<String, byte[]> content) {
            this.name = name;
            this.content = content;
        }

        @Override
        public String describe() {
            return name;
        }

        @Override
        public void fetch(ExpectedFile file, OutputStream destination) throws IOException {
            calls++;
            byte[] b = content.get(file.name());
            if (b == null) {
                throw new IOException(name + " is unreachable");
            }
            destination.write(b);
        }
    }

    private static String sha(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    private List<Path> dirListing() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.toList();
        }
    }

    @Test
    void fetchesVerifiesAndInstallsLeavingNoTemporaryFiles() throws IOException {
        FakeSource down = new FakeSource("down", Map.of());
        FakeSource ok = new FakeSource("ok", Map.of(file.name(), good));
        new VerifiedCache(dir, log::add).ensure(List.of(file), List.of(down, ok));
        assertArrayEquals(good, Files.readAllBytes(dir.resolve(file.name())));
        assertEquals(List.of(dir.resolve(file.name())), dirListing());
        assertTrue(log.stream().anyMatch(l -> l.contains("installed from ok")), log.toString());
    }

    @Test
    void presentVerifiedFileIsNotFetchedAgain() throws IOException {
        Files.write(dir.resolve(file.name()), good);
        FakeSource ok = new FakeSource("ok", Map.of(file.name(), good));
        new VerifiedCache(dir, log::add).ensure(List.of(file), List.of(ok));
        assertEquals(0, ok.calls);
    }

    @Test
    void wrongBytesAreDiscardedAndTheNextSourceTried() throws IOException {
        Files.write(dir.resolve(file.name()), "stale".getBytes(StandardCharsets.UTF_8));
        FakeSource bad = new FakeSource("bad", Map.of(file.name(), "tampered".getBytes(StandardCharsets.UTF_8)));
        FakeSource ok = new FakeSource("ok", Map.of(file.name(), good));
        new VerifiedCache(dir, log::add).ensure(List.of(file), List.of(bad, ok));
        assertArrayEquals(good, Files.readAllBytes(dir.resolve(file.name())));
        assertTrue(log.stream().anyMatch(l -> l.contains("SHA-256 mismatch")), log.toString());
    }

    @Test
    void mismatchEverywhereIsAnErrorAndNothingIsInstalled() throws IOException {
        byte[] tampered = "tampered".getBytes(StandardCharsets.UTF_8);
        FakeSource bad = new FakeSource("bad", Map.of(file.name(), tampered));
        IOException e = assertThrows(IOException.class,
                () -> new VerifiedCache(dir, log::add).ensure(List.of(file), List.of(bad)));
        assertTrue(e.getMessage().contains("expected " + file.sha256()), e.getMessage());
        assertTrue(e.getMessage().contains("found " + sha(tampered)), e.getMessage());
        assertEquals(List.of(), dirListing(), "neither the file nor a temporary file may remain");
    }

    @Test
    void aFailedSourceIsNotAskedAgainForLaterFiles() throws IOException {
        byte[] other = "second file".getBytes(StandardCharsets.UTF_8);
        ExpectedFile second = new ExpectedFile("other-idx1-ubyte", other.length, sha(other));
        FakeSource down = new FakeSource("down", Map.of());
        FakeSource ok = new FakeSource("ok", Map.of(file.name(), good, second.name(), other));
        new VerifiedCache(dir, log::add).ensure(List.of(file, second), List.of(down, ok));
        assertEquals(1, down.calls);
        assertEquals(2, ok.calls);
        assertArrayEquals(other, Files.readAllBytes(dir.resolve(second.name())));
    }

    @Test
    void mnistFilesAndDirectoryDefaults() {
        assertEquals(List.of("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
                "t10k-labels-idx1-ubyte"), MnistDownloader.files().stream().map(ExpectedFile::name).toList());
        String old = System.getProperty(MnistDownloader.DIR_PROPERTY);
        try {
            System.setProperty(MnistDownloader.DIR_PROPERTY, dir.toString());
            assertEquals(dir.resolve("mnist"), MnistDownloader.defaultDirectory());
        } finally {
            if (old == null) {
                System.clearProperty(MnistDownloader.DIR_PROPERTY);
            } else {
                System.setProperty(MnistDownloader.DIR_PROPERTY, old);
            }
        }
        assertThrows(IllegalArgumentException.class, () -> new ExpectedFile("../x", 1, file.sha256()));
        assertThrows(IllegalArgumentException.class, () -> new ExpectedFile("x", 1, "abc"));
        assertThrows(IllegalArgumentException.class, () -> new ExpectedFile("x", -1, file.sha256()));
    }
}
