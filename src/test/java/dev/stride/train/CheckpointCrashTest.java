package dev.stride.train;

import dev.stride.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.foreign.Arena;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Saving survives being killed at any moment: a child JVM ({@link CheckpointCrashChild}, on this
 * test's class path) saves 4 MB checkpoints to one file in a loop and is killed (SIGKILL, as
 * {@link ProcessHandle#destroyForcibly} sends it) at a random point of its saves, up to 20 times in about
 * 30 s. After every kill the file is a complete checkpoint, with its CRC, of the generation the
 * child last reported saved or of the one it was saving, and the temporary file the kill left
 * behind is gone once the next saver's first save has returned.
 */
class CheckpointCrashTest {
    private static final int KILLS = 20;
    private static final long BUDGET_NANOS = TimeUnit.SECONDS.toNanos(30);
    private static final String NAME = "model.stride";

    @TempDir
    Path dir;

    @Test
    void killedSavesLeaveTheOldOrTheNewCheckpointAndNoTemporaryFileAfterTheNextSave() throws Exception {
        Path file = dir.resolve(NAME);
        save(file, 0);
        SplittableRandom random = new SplittableRandom(19);
        long start = System.nanoTime();
        long generation = 0;
        int kills = 0;
        int killedMidSave = 0;
        List<Path> leftBehind = List.of();
        while (kills < KILLS && System.nanoTime() - start < BUDGET_NANOS) {
            Child child = Child.start(file, generation + 1, dir.resolve("child-" + kills + ".err"));
            child.await("saved " + (generation + 1));
            for (Path stale : leftBehind) {
                assertFalse(Files.exists(stale), "the next save left " + stale + " of a killed save in place");
            }
            Thread.sleep(random.nextInt(400));
            long reported = child.kill();
            kills++;

            long found = generationIn(file);
            assertTrue(found == reported || found == reported + 1, "after kill " + kills + " the file holds generation " + found
                    + ", but the child had reported " + reported + " saved (and was at most saving the next)");
            generation = found;
            leftBehind = temporaryFiles();
            if (!leftBehind.isEmpty()) {
                killedMidSave++;
            }
        }
        assertTrue(kills >= 5, "only " + kills + " kills in " + BUDGET_NANOS / 1_000_000_000 + " s");
        assertTrue(killedMidSave > 0, "no kill out of " + kills + " struck during a save, so no temporary file was left"
                + " for the next save to clear");

        save(file, generation + 1);
        assertEquals(List.of(), temporaryFiles(), "the temporary files of killed saves after the next save");
        assertEquals(generation + 1, generationIn(file));
    }

    /** Reads the whole file (magic, length and CRC first) and checks every value of its generation. */
    private static long generationIn(Path file) throws IOException {
        Checkpoint c = CheckpointFile.read(file);
        long generation = Long.parseLong(c.meta("generation"));
        float[] w = c.tensor("w").data();
        assertEquals(CheckpointCrashChild.VALUES, w.length);
        for (int i = 0; i < w.length; i++) {
            if (w[i] != CheckpointCrashChild.value(generation, i)) {
                fail("generation " + generation + ": value " + i + " is " + w[i] + ", expected " + CheckpointCrashChild.value(generation, i));
            }
        }
        return generation;
    }

    private static void save(Path file, long generation) throws IOException {
        float[] values = new float[CheckpointCrashChild.VALUES];
        for (int i = 0; i < values.length; i++) {
            values[i] = CheckpointCrashChild.value(generation, i);
        }
        try (Arena arena = Arena.ofConfined()) {
            CheckpointFile.save(file, "crash-test", Map.of("generation", Long.toString(generation)),
                    List.of(new NamedTensor("w", Tensor.of(arena, values, values.length))));
        }
    }

    private List<Path> temporaryFiles() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.getFileName().toString().startsWith("." + NAME + ".")
                    && f.getFileName().toString().endsWith(".tmp")).toList();
        }
    }

    /** A saving child JVM and the lines it prints, read on a thread of their own. */
    private record Child(Process process, BlockingQueue<String> lines, List<String> seen, Path stderr) {
        static Child start(Path file, long firstGeneration, Path stderr) throws IOException {
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            Process p = new ProcessBuilder(java, "-Xmx256m", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                    CheckpointCrashChild.class.getName(), file.toString(), Long.toString(firstGeneration))
                    .redirectError(stderr.toFile()).start();
            BlockingQueue<String> lines = new ArrayBlockingQueue<>(1 << 16);
            Thread reader = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String line; (line = r.readLine()) != null; ) {
                        lines.add(line);
                    }
                } catch (IOException e) {
                    lines.add("(reading the child's output failed: " + e + ")");
                }
                lines.add("(end)");
            });
            reader.setDaemon(true);
            reader.start();
            return new Child(p, lines, new ArrayList<>(), stderr);
        }

        /** Waits until the child prints {@code line}; fails with what it printed if it ends first. */
        void await(String line) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (true) {
                String l = lines.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                if (l == null || l.equals("(end)")) {
                    process.destroyForcibly();
                    fail("the saving child ended or stalled before \"" + line + "\"; it printed " + seen + " and on standard error:\n"
                            + errors());
                }
                seen.add(l);
                if (l.equals(line)) {
                    return;
                }
            }
        }

        /** Kills the child, waits for it to be gone, and returns the last generation it reported saved. */
        long kill() throws InterruptedException {
            // SIGKILL through the handle: Process.destroyForcibly sends the same signal but also
            // closes our end of the pipe, losing lines the child printed just before it died.
            process.toHandle().destroyForcibly();
            assertTrue(process.waitFor(30, TimeUnit.SECONDS), "the killed child did not exit");
            long saved = -1;
            for (String l; (l = lines.poll(10, TimeUnit.SECONDS)) != null && !l.equals("(end)"); ) {
                seen.add(l);
            }
            for (String l : seen) {
                if (l.startsWith("saved ")) {
                    saved = Long.parseLong(l.substring(6));
                } else if (!l.startsWith("saving ")) {
                    fail("the saving child printed \"" + l + "\"; all it printed: " + seen);
                }
            }
            assertTrue(saved >= 0, "the child reported no save");
            return saved;
        }

        private String errors() {
            try {
                return Files.readString(stderr);
            } catch (IOException e) {
                return "(unreadable: " + e + ")";
            }
        }
    }
}
