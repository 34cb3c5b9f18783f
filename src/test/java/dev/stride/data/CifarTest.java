package dev.stride.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.*;

/** CIFAR's reader and cache on tiny archives in the official layout (this machine has no real copy). */
class CifarTest {
    private static final int PIXELS = 3072;

    /** n records; record r has label r % 10 (CIFAR-100: coarse r % 20, fine r % 100) and every pixel equal to seed + r. */
    private static byte[] records(int n, int labelBytes, int seed) {
        byte[] out = new byte[n * (labelBytes + PIXELS)];
        for (int r = 0; r < n; r++) {
            int at = r * (labelBytes + PIXELS);
            if (labelBytes == 1) {
                out[at] = (byte) (r % 10);
            } else {
                out[at] = (byte) (r % 20);
                out[at + 1] = (byte) (r % 100);
            }
            java.util.Arrays.fill(out, at + labelBytes, at + labelBytes + PIXELS, (byte) (seed + r));
            out[at + labelBytes + 1024] = (byte) 200; // first green pixel: checks the CHW planes
        }
        return out;
    }

    private static Path archive(Path dir, String name, TarTestWriter tar) throws IOException {
        Path file = dir.resolve(name);
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(file))) {
            out.write(tar.finish());
        }
        return file;
    }

    private static TarTestWriter cifar10(byte[] firstBatch) {
        TarTestWriter tar = new TarTestWriter().entry("cifar-10-batches-bin/", '5', new byte[0])
                .file("cifar-10-batches-bin/batches.meta.txt", ("airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n\n")
                        .getBytes(StandardCharsets.UTF_8))
                .file("cifar-10-batches-bin/data_batch_1.bin", firstBatch);
        for (int b = 2; b <= 5; b++) {
            tar.file("cifar-10-batches-bin/data_batch_" + b + ".bin", records(3, 1, 10 * b));
        }
        return tar.file("cifar-10-batches-bin/test_batch.bin", records(4, 1, 90));
    }

    @Test
    void readsCifar10TrainingBatchesInOrderAndTheTestBatch(@TempDir Path dir) throws IOException {
        Path tgz = archive(dir, "cifar-10-binary.tar.gz", cifar10(records(5, 1, 0)));
        Dataset train = Cifar.train(tgz, Cifar.Kind.CIFAR10);
        assertEquals(5 + 4 * 3, train.count());
        assertEquals(3, train.channels());
        assertEquals(32, train.width());
        assertEquals(4, train.label(4));
        assertEquals(4, train.pixel(4, 0, 31, 31));
        assertEquals(200, train.pixel(4, 1, 0, 0), "green plane after 1024 red bytes");
        assertEquals(20, train.pixel(5, 0, 0, 0), "data_batch_2 follows data_batch_1");
        assertEquals("truck", train.classNames().get(9));
        Dataset test = Cifar.test(tgz, Cifar.Kind.CIFAR10);
        assertEquals(4, test.count());
        assertEquals(93, test.pixel(3, 2, 5, 5));
    }

    @Test
    void readsCifar100sFineLabel(@TempDir Path dir) throws IOException {
        StringBuilder names = new StringBuilder();
        for (int c = 0; c < 100; c++) {
            names.append("class").append(c).append('\n');
        }
        TarTestWriter tar = new TarTestWriter().file("cifar-100-binary/fine_label_names.txt", names.toString().getBytes(StandardCharsets.UTF_8))
                .file("cifar-100-binary/train.bin", records(30, 2, 0))
                .file("cifar-100-binary/test.bin", records(2, 2, 0));
        Path tgz = archive(dir, "cifar-100-binary.tar.gz", tar);
        Dataset train = Cifar.train(tgz, Cifar.Kind.CIFAR100);
        assertEquals(30, train.count());
        assertEquals(100, train.classes());
        assertEquals(25, train.label(25), "the fine label (coarse is 5)");
        assertEquals("class25", train.classNames().get(25));
    }

    @Test
    void aLabelOutOfRangeNamesTheMemberAndItsByteOffset(@TempDir Path dir) throws IOException {
        byte[] batch = records(5, 1, 0);
        batch[2 * (1 + PIXELS)] = 10;
        Path tgz = archive(dir, "cifar-10-binary.tar.gz", cifar10(batch));
        IOException e = assertThrows(IOException.class, () -> Cifar.train(tgz, Cifar.Kind.CIFAR10));
        assertTrue(e.getMessage().startsWith(tgz + "!cifar-10-batches-bin/data_batch_1.bin: label 10 at byte offset 6146 (record 2)"),
                e.getMessage());
    }

    @Test
    void aTruncatedRecordNamesItsOffset(@TempDir Path dir) throws IOException {
        byte[] batch = java.util.Arrays.copyOf(records(5, 1, 0), 4 * (1 + PIXELS) + 100);
        Path tgz = archive(dir, "cifar-10-binary.tar.gz", cifar10(batch));
        IOException e = assertThrows(IOException.class, () -> Cifar.train(tgz, Cifar.Kind.CIFAR10));
        assertTrue(e.getMessage().contains("data_batch_1.bin: truncated record at byte offset 12292"), e.getMessage());
    }

    @Test
    void aCorruptOrTruncatedArchiveIsReportedWithItsPath(@TempDir Path dir) throws IOException {
        Path notGzip = dir.resolve("a.tar.gz");
        Files.write(notGzip, "not an archive".getBytes(StandardCharsets.UTF_8));
        IOException e = assertThrows(IOException.class, () -> Cifar.train(notGzip, Cifar.Kind.CIFAR10));
        assertTrue(e.getMessage().startsWith(notGzip + ": not a gzip file at byte offset 0"), e.getMessage());

        Path whole = archive(dir, "b.tar.gz", cifar10(records(5, 1, 0)));
        byte[] bytes = Files.readAllBytes(whole);
        Path cut = dir.resolve("c.tar.gz");
        Files.write(cut, java.util.Arrays.copyOf(bytes, bytes.length / 2));
        IOException t = assertThrows(IOException.class, () -> Cifar.train(cut, Cifar.Kind.CIFAR10));
        assertTrue(t.getMessage().contains(cut.toString()) && t.getMessage().contains("offset"), t.getMessage());

        Path noMembers = archive(dir, "d.tar.gz", new TarTestWriter().file("readme.txt", new byte[3]));
        IOException m = assertThrows(IOException.class, () -> Cifar.test(noMembers, Cifar.Kind.CIFAR10));
        assertTrue(m.getMessage().contains("holds no cifar-10-batches-bin/test_batch.bin"), m.getMessage());
    }

    @Test
    void theCacheInstallsTheArchiveVerifiedByMd5AndRefusesOtherBytes(@TempDir Path dir) throws Exception {
        Path tgz = archive(dir, "made.tar.gz", cifar10(records(5, 1, 0)));
        byte[] bytes = Files.readAllBytes(tgz);
        String md5 = HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(bytes));
        ExpectedFile expected = ExpectedFile.md5("cifar-10-binary.tar.gz", bytes.length, md5);
        FileSource good = new FileSource() {
            public String describe() { return "good"; }
            public void fetch(ExpectedFile f, OutputStream out) throws IOException { out.write(bytes); }
        };
        FileSource bad = new FileSource() {
            public String describe() { return "bad"; }
            public void fetch(ExpectedFile f, OutputStream out) throws IOException { out.write(new byte[bytes.length]); }
        };
        List<String> log = new ArrayList<>();
        Path cache = dir.resolve("cache");
        Path installed = Cifar.ensure(cache, expected, List.of(bad, good), log::add);
        assertTrue(log.stream().anyMatch(l -> l.contains("from bad: MD5 mismatch")), String.join("\n", log));
        assertEquals(17, Cifar.train(installed, Cifar.Kind.CIFAR10).count());
        log.clear();
        Cifar.ensure(cache, expected, List.of(bad), log::add);
        assertEquals(List.of("cifar-10-binary.tar.gz: present, MD5 verified"), log);
        IOException e = assertThrows(IOException.class, () -> Cifar.ensure(dir.resolve("other"), expected, List.of(bad), l -> { }));
        assertTrue(e.getMessage().contains("MD5 " + md5), e.getMessage());
    }
}
