package dev.stride.testing;

import org.junit.jupiter.api.Named;
import org.junit.jupiter.params.provider.Arguments;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * What every fuzz target shares: its committed seeds, the bytes written where a parser of files
 * reads them, and the rule that a parser allocates in proportion to the bytes it was given.
 *
 * <p>A target calls its parser inside {@link #parse}: the parser's own documented exceptions are
 * the clean outcome for bad bytes; anything else it throws escapes, and the fuzzer reports it with
 * the input. Afterwards the heap allocated on this thread is compared with the input's length: a
 * header that claims 2^31 images must be checked against the bytes that follow before anything that
 * large is allocated.
 */
public final class FuzzInput {
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    private FuzzInput() {
    }

    /** A parse that may throw the parser's documented exceptions. */
    public interface Parse {
        void run() throws Exception;
    }

    /**
     * The seed corpus of a target, {@code src/test/resources/fuzz/<target>/}, as arguments for a
     * {@code @MethodSource}: in regression mode each seed is one invocation, and when fuzzing Jazzer
     * starts from them.
     */
    public static Stream<Arguments> seeds(String target) {
        try {
            List<Arguments> seeds = new ArrayList<>();
            for (Path seed : seedFiles(target).toList()) {
                seeds.add(Arguments.of(Named.of(seed.getFileName().toString(), Files.readAllBytes(seed))));
            }
            return seeds.stream();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The seed files of a target, in name order. */
    public static Stream<Path> seedFiles(String target) throws IOException {
        URL url = FuzzInput.class.getResource("/fuzz/" + target);
        if (url == null) {
            throw new IllegalStateException("no seed corpus /fuzz/" + target + " on the test class path");
        }
        try (Stream<Path> files = Files.list(Path.of(url.toURI()))) {
            return files.sorted().toList().stream();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * A file of this JVM's, rewritten for every input: parsers of files are fuzzed through the file
     * system, as they are used. It lies in memory (/dev/shm) where the machine has that, since the
     * fuzzer writes it thousands of times a second.
     */
    public static Path file(String name) {
        try {
            Path shm = Path.of("/dev/shm");
            Path root = Files.isDirectory(shm) && Files.isWritable(shm) ? shm : Path.of(System.getProperty("java.io.tmpdir"));
            Path dir = Files.createDirectories(root.resolve("stride-fuzz-" + ProcessHandle.current().pid()));
            dir.toFile().deleteOnExit();
            Path file = dir.resolve(name);
            file.toFile().deleteOnExit();
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes {@code data} to {@code file}, replacing what was there. */
    public static Path write(Path file, byte[] data) {
        try {
            return Files.write(file, data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Runs {@code parse}, which may throw any of {@code documented} (the parser's own exceptions for
     * bad input); anything else propagates. Then fails when the parse allocated more than
     * {@code allowedBytes} of heap on this thread.
     */
    public static void parse(long allowedBytes, Parse parse, List<Class<? extends Exception>> documented) throws Exception {
        long allocated = allocatedBy(parse, documented);
        // The first parses in a JVM load classes (and Jazzer instruments them) on this thread, which
        // counts as its allocation: a parse over the allowance is measured a second time before it
        // fails. A parser's own allocations are the same both times.
        if (allocated > allowedBytes) {
            allocated = allocatedBy(parse, documented);
        }
        if (allocated > allowedBytes) {
            throw new AssertionError("the parse allocated " + allocated + " bytes of heap, more than the "
                    + allowedBytes + " allowed for its input; a size field was trusted before it was checked"
                    + " against the bytes that follow");
        }
    }

    private static long allocatedBy(Parse parse, List<Class<? extends Exception>> documented) throws Exception {
        long before = THREADS.getCurrentThreadAllocatedBytes();
        try {
            parse.run();
        } catch (Exception e) {
            if (documented.stream().noneMatch(c -> c.isInstance(e))) {
                throw e;
            }
        }
        return THREADS.getCurrentThreadAllocatedBytes() - before;
    }
}
