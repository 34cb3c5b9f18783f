package dev.stride.train;

import dev.stride.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which temporary files a save clears: those of its own target whose writer is gone, and no others. */
class CheckpointFileTempsTest {
    @TempDir
    Path dir;

    @Test
    void aSaveDeletesTheTemporaryFilesOfDeadWritersOnly() throws Exception {
        long dead = deadPid();
        long alive = ProcessHandle.current().pid();
        Path crashed = touch(".model.stride." + dead + ".123.tmp");
        Path writing = touch(".model.stride." + alive + ".456.tmp");
        Path otherTarget = touch(".model.stride.1." + dead + ".789.tmp"); // the file model.stride.1's
        Path older = touch(".model.stride.8817263547162534.tmp"); // no PID: not ours to judge
        Path unrelated = touch("model.stride.bak");
        save(dir.resolve("model.stride"));
        assertFalse(Files.exists(crashed), "a crashed save's file stays");
        for (Path kept : List.of(writing, otherTarget, older, unrelated)) {
            assertTrue(Files.exists(kept), kept + " was deleted");
        }
    }

    @Test
    void aReusedPidDoesNotKeepACrashedSavesFile() throws Exception {
        // This process started long after the file was last written, so it cannot be its writer.
        Path crashed = touch(".model.stride." + ProcessHandle.current().pid() + ".123.tmp");
        Files.setLastModifiedTime(crashed, FileTime.from(Instant.parse("2020-01-01T00:00:00Z")));
        save(dir.resolve("model.stride"));
        assertFalse(Files.exists(crashed));
    }

    @Test
    void thePidIsReadOnlyFromTheExactShape() {
        String prefix = ".m.";
        assertEquals(42, CheckpointFileTemps.pid(".m.42.9876.tmp", prefix));
        assertEquals(-1, CheckpointFileTemps.pid(".m.9876.tmp", prefix));
        assertEquals(-1, CheckpointFileTemps.pid(".m.1.42.9876.tmp", prefix));
        assertEquals(-1, CheckpointFileTemps.pid(".m.4x.9876.tmp", prefix));
        assertEquals(-1, CheckpointFileTemps.pid(".m.42..tmp", prefix));
        assertEquals(-1, CheckpointFileTemps.pid(".m.12345678901.1.tmp", prefix));
    }

    @Test
    void aSaveNamesItsTemporaryFileAfterItsProcess() throws IOException {
        Path target = dir.resolve("m.stride").toAbsolutePath();
        Path tmp = CheckpointFileTemps.create(target);
        assertEquals(ProcessHandle.current().pid(), CheckpointFileTemps.pid(tmp.getFileName().toString(), ".m.stride."));
    }

    private Path touch(String name) throws IOException {
        return Files.write(dir.resolve(name), new byte[] {1, 2, 3});
    }

    private static void save(Path file) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            CheckpointFile.save(file, "a", Map.of(), List.of(new NamedTensor("x", Tensor.of(arena, new float[] {1f}, 1))));
        }
    }

    /** The PID of a process that has run and exited. */
    private static long deadPid() throws Exception {
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-version")
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        return p.pid();
    }
}
