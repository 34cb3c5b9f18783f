package dev.stride.train;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * Saves and reads Stride checkpoint files; the byte layout is documented in
 * {@code docs/checkpoint-format.md}.
 *
 * <p>Saving is atomic: the bytes go to a temporary file in the target's directory, are forced to
 * disk, and the temporary file is renamed over the target, so a crash at any moment leaves either
 * the old checkpoint or the new one, never a torn file. Reading checks the magic bytes, the format
 * version, the recorded length and a CRC32 before it trusts any length field in the body.
 */
public final class CheckpointFile {
    /** The first eight bytes of every checkpoint. */
    static final byte[] MAGIC = "STRIDECK".getBytes(StandardCharsets.US_ASCII);
    /** The format this build writes, and the newest it reads. */
    public static final int FORMAT_VERSION = 2;
    /** Magic, version and total length: the bytes read before anything else is trusted. */
    static final int FIXED_HEADER_BYTES = 8 + 4 + 8;
    static final int CRC_BYTES = 4;

    private CheckpointFile() {
    }

    /**
     * Writes a checkpoint atomically, replacing {@code file} if it exists. Temporary files of the same
     * target left by saves that crashed (their process is gone) are deleted first.
     *
     * @param architecture what the model is, e.g. {@code "lenet5"}; stored for the reader to check
     * @param metadata     free-form key/value pairs (hyperparameters, epoch, step, seed, normalisation...)
     * @param tensors      named tensors, unique names, written in this order
     * @throws IOException when writing fails; the previous file, if any, is then left intact and no
     *                     temporary file remains
     * @param file where to write
     */
    public static void save(Path file, String architecture, Map<String, String> metadata, List<NamedTensor> tensors) throws IOException {
        save(file, architecture, metadata, tensors, UnaryOperator.identity());
    }

    /** As {@link #save(Path, String, Map, List)}, with the file channel wrapped: the seam tests use to fail mid-write. */
    static void save(Path file, String architecture, Map<String, String> metadata, List<NamedTensor> tensors,
                     UnaryOperator<WritableByteChannel> wrap) throws IOException {
        checkNames(file, tensors);
        Path target = file.toAbsolutePath();
        Path dir = target.getParent();
        CheckpointFileTemps.deleteStale(target);
        Path tmp = CheckpointFileTemps.create(target);
        boolean done = false;
        try {
            try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                new CheckpointWriter(wrap.apply(channel)).write(architecture, metadata, tensors);
                channel.force(true);
            }
            move(tmp, target);
            done = true;
        } finally {
            if (!done) {
                Files.deleteIfExists(tmp);
            }
        }
        forceDirectory(dir);
    }

    private static void checkNames(Path file, List<NamedTensor> tensors) {
        Set<String> seen = new HashSet<>();
        for (NamedTensor t : tensors) {
            if (!seen.add(t.name())) {
                throw new IllegalArgumentException("cannot save checkpoint " + file + ": the tensor name '" + t.name()
                        + "' appears twice; give every tensor a unique name (e.g. prefix it with its layer)");
            }
        }
    }

    private static void move(Path tmp, Path target) throws IOException {
        try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            // Some file systems cannot rename atomically; replacing is the best they offer.
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    // Makes the rename itself durable. Not every platform can open a directory (Windows cannot),
    // and there the rename is as durable as the file system makes it, so failing here is not an error.
    private static void forceDirectory(Path dir) {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            // Nothing more can be done on such a platform; the checkpoint itself is complete.
        }
    }

    /**
     * Reads and validates a whole checkpoint.
     *
     * @throws CheckpointException naming the file: not a checkpoint (magic), written by a newer
     *                             Stride (version), truncated (with the offset where the data
     *                             stops), or corrupt (checksum)
     * @param file the checkpoint file
     * @return the checkpoint, held on the heap
     * @throws IOException when the file cannot be read
     */
    public static Checkpoint read(Path file) throws IOException {
        return CheckpointReader.read(file);
    }
}
