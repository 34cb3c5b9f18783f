package dev.stride.data;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * CIFAR-10 and CIFAR-100, binary version: 60,000 colour 32x32 images (50,000 training, 10,000
 * test). Each record is the label byte (CIFAR-100: coarse, then fine) followed by 3072 pixel bytes,
 * the red, green and blue planes of 32x32 in turn (CHW).
 *
 * <p>The official archive ({@code cifar-10-binary.tar.gz}, {@code cifar-100-binary.tar.gz}) is
 * cached as it is, verified by the MD5 published beside it, and read straight from the tar.gz; no
 * member is extracted. The download folder is the data set's home page folder, or the system
 * property {@value #URL_PROPERTY} (a URL ending in '/').
 */
public final class Cifar {
    /** System property: the folder URL the archives are downloaded from. */
    public static final String URL_PROPERTY = "stride.cifar.url";
    static final URI OFFICIAL = URI.create("https://www.cs.toronto.edu/~kriz/");
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final int PIXELS = 3 * 32 * 32;

    /** The two data sets: archive, members, label layout. */
    public enum Kind {
        /** CIFAR-10: 10 classes, five training batches and a test batch. */
        CIFAR10("cifar10", ExpectedFile.md5("cifar-10-binary.tar.gz", 170_052_171, "c32a1d4ab5d03f1284b67883e8d87530"),
                "cifar-10-batches-bin/", List.of("data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin",
                "data_batch_4.bin", "data_batch_5.bin"), "test_batch.bin", 1, 10, "batches.meta.txt"),
        /** CIFAR-100: 100 fine classes (the coarse label is skipped). */
        CIFAR100("cifar100", ExpectedFile.md5("cifar-100-binary.tar.gz", 168_513_733, "03b5dce01913d631647c71ecec9e9cb8"),
                "cifar-100-binary/", List.of("train.bin"), "test.bin", 2, 100, "fine_label_names.txt");

        final String folder;
        final ExpectedFile archive;
        final String prefix;
        final List<String> train;
        final String test;
        final int labelBytes; // the class is the last of them: CIFAR-100's fine label
        final int classes;
        final String names;

        Kind(String folder, ExpectedFile archive, String prefix, List<String> train, String test, int labelBytes, int classes,
             String names) {
            this.folder = folder;
            this.archive = archive;
            this.prefix = prefix;
            this.train = train;
            this.test = test;
            this.labelBytes = labelBytes;
            this.classes = classes;
            this.names = names;
        }

        /**
         * The archive's name, size and MD5.
         *
         * @return the expectation the cache verifies
         */
        public ExpectedFile archive() {
            return archive;
        }

        /**
         * The number of classes.
         *
         * @return 10 or 100
         */
        public int classes() {
            return classes;
        }

        /**
         * The cache folder used when none is given: {@code cifar10} or {@code cifar100} under the data root.
         *
         * @return the folder
         */
        public Path defaultDirectory() {
            return DataDirectory.of(folder);
        }
    }

    private Cifar() {
    }

    /**
     * Makes {@code dir} hold the verified archive (downloading it if needed) and returns the archive's path.
     *
     * @param dir the cache folder
     * @param kind which data set
     * @param progress receives one line per step
     * @return the archive's path in {@code dir}
     * @throws IOException when the archive can be neither found nor downloaded and verified
     */
    public static Path ensure(Path dir, Kind kind, Consumer<String> progress) throws IOException {
        String url = System.getProperty(URL_PROPERTY);
        URI base = url == null || url.isBlank() ? OFFICIAL : URI.create(url.endsWith("/") ? url : url + "/");
        try (FileSource web = new HttpFileSource(base, TIMEOUT)) {
            return ensure(dir, kind.archive, List.of(web), progress);
        }
    }

    /** As {@link #ensure(Path, Kind, Consumer)} with the archive's expectation and its sources given (for tests). */
    static Path ensure(Path dir, ExpectedFile archive, List<? extends FileSource> sources, Consumer<String> progress)
            throws IOException {
        new VerifiedCache(dir, progress).ensure(List.of(archive), sources);
        return dir.resolve(archive.name());
    }

    /**
     * The 50,000 training images of the archive, with the class names it holds.
     *
     * @param archive the archive {@link #ensure} returned
     * @param kind which data set it is
     * @return the images and labels, in memory
     * @throws IOException when the archive cannot be read or a member is missing or malformed
     */
    public static Dataset train(Path archive, Kind kind) throws IOException {
        return read(archive, kind, kind.train);
    }

    /**
     * The 10,000 test images of the archive, with the class names it holds.
     *
     * @param archive the archive {@link #ensure} returned
     * @param kind which data set it is
     * @return the images and labels, in memory
     * @throws IOException when the archive cannot be read or a member is missing or malformed
     */
    public static Dataset test(Path archive, Kind kind) throws IOException {
        return read(archive, kind, List.of(kind.test));
    }

    /** The records of {@code members} in that order, from one pass over the archive. */
    static Dataset read(Path archive, Kind kind, List<String> members) throws IOException {
        Map<String, byte[]> found = new HashMap<>();
        String names = null;
        try (InputStream file = Files.newInputStream(archive); InputStream gz = gunzip(file, archive)) {
            TarReader tar = new TarReader(gz, archive.toString());
            for (TarReader.Entry e; (e = next(tar, archive)) != null; ) {
                String member = e.name().startsWith(kind.prefix) ? e.name().substring(kind.prefix.length()) : null;
                if (e.isFile() && member != null && members.contains(member)) {
                    found.put(member, records(tar, archive, e, kind));
                } else if (e.isFile() && kind.names.equals(member)) {
                    names = new String(body(tar, archive, e), StandardCharsets.UTF_8);
                }
            }
        }
        int count = 0;
        for (String m : members) {
            if (!found.containsKey(m)) {
                throw new IOException(archive + ": holds no " + kind.prefix + m + "; is it the binary version of "
                        + kind.folder + " (" + kind.archive.name() + ")?");
            }
            count += found.get(m).length / (kind.labelBytes + PIXELS);
        }
        byte[] pixels = new byte[count * PIXELS];
        int[] labels = new int[count];
        int i = 0;
        int record = kind.labelBytes + PIXELS;
        for (String m : members) {
            byte[] raw = found.get(m);
            for (int r = 0; r < raw.length / record; r++, i++) {
                labels[i] = Byte.toUnsignedInt(raw[r * record + kind.labelBytes - 1]);
                System.arraycopy(raw, r * record + kind.labelBytes, pixels, i * PIXELS, PIXELS);
            }
        }
        List<String> classNames = names == null ? List.of()
                : names.lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
        if (classNames.size() != kind.classes) {
            classNames = List.of(); // a damaged names file costs the names, not the data
        }
        return new Dataset(pixels, labels, 3, 32, 32, kind.classes, classNames);
    }

    /** A member's records, each label checked; the offsets in errors are within the member. */
    private static byte[] records(TarReader tar, Path archive, TarReader.Entry e, Kind kind) throws IOException {
        int record = kind.labelBytes + PIXELS;
        if (e.size() % record != 0) {
            long last = e.size() / record * record;
            throw new IOException(archive + "!" + e.name() + ": truncated record at byte offset " + last + ": "
                    + e.size() + " bytes are not a whole number of " + record + "-byte records; download the archive again");
        }
        byte[] raw = body(tar, archive, e);
        for (long at = 0; at < raw.length; at += record) {
            for (int b = 0; b < kind.labelBytes; b++) {
                int label = Byte.toUnsignedInt(raw[(int) at + b]);
                int limit = kind.labelBytes == 2 && b == 0 ? 20 : kind.classes; // CIFAR-100's coarse label: 20 superclasses
                if (label >= limit) {
                    throw new IOException(archive + "!" + e.name() + ": label " + label + " at byte offset " + (at + b)
                            + " (record " + at / record + ") is outside 0.." + (limit - 1) + "; the archive is corrupt: download it again");
                }
            }
        }
        return raw;
    }

    /**
     * The largest member the binary archives hold (CIFAR-100's train.bin, 50,000 records of 3,074
     * bytes), with room to spare; a header that claims more is corrupt.
     */
    static final long MAX_MEMBER_BYTES = 200_000_000L;

    // The buffer grows with the bytes that really arrive, so a header that claims more than the
    // archive holds costs an error, not the allocation it claims (found by CifarFuzzTest).
    private static byte[] body(TarReader tar, Path archive, TarReader.Entry e) throws IOException {
        if (e.size() > MAX_MEMBER_BYTES) {
            throw new IOException(archive + "!" + e.name() + ": " + e.size() + " bytes is too large for a CIFAR member (at most "
                    + MAX_MEMBER_BYTES + "); the archive is corrupt: download it again");
        }
        int size = (int) e.size();
        byte[] buf = new byte[Math.min(size, 1 << 20)];
        int got = 0;
        while (got < size) {
            if (got == buf.length) {
                buf = Arrays.copyOf(buf, (int) Math.min(size, 2L * buf.length));
            }
            int r;
            try {
                r = tar.read(buf, got, buf.length - got);
            } catch (EOFException | ZipException ex) {
                throw corrupt(archive, e, got, ex);
            }
            if (r < 0) {
                throw new IOException(archive + "!" + e.name() + ": the archive ends at byte offset " + got + " of this member's "
                        + e.size() + "; the archive is truncated: download it again");
            }
            got += r;
        }
        return buf;
    }

    private static TarReader.Entry next(TarReader tar, Path archive) throws IOException {
        try {
            return tar.next();
        } catch (EOFException | ZipException ex) {
            throw new IOException(archive + ": corrupt gzip data (" + ex.getMessage() + "); download the archive again", ex);
        }
    }

    private static IOException corrupt(Path archive, TarReader.Entry e, long at, Exception ex) {
        return new IOException(archive + "!" + e.name() + ": corrupt gzip data at byte offset " + at + " of this member ("
                + ex.getMessage() + "); download the archive again", ex);
    }

    private static InputStream gunzip(InputStream in, Path archive) throws IOException {
        try {
            return new GZIPInputStream(in, 1 << 16);
        } catch (EOFException | ZipException e) {
            throw new IOException(archive + ": not a gzip file at byte offset 0 (" + e.getMessage() + "); download the archive again", e);
        }
    }
}
