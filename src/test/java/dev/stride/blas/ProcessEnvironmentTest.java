package dev.stride.blas;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** setenv/unsetenv reach the process's environment (what OpenBLAS reads), and OpenBLAS starts single-threaded. */
class ProcessEnvironmentTest {
    @Test
    void setAndUnsetChangeWhatLibcSees() throws Throwable {
        String name = "STRIDE_PROCESS_ENVIRONMENT_TEST";
        assertTrue(ProcessEnvironment.set(name, "42"));
        assertEquals("42", getenv(name));
        assertTrue(ProcessEnvironment.unset(name));
        assertNull(getenv(name));
    }

    @Test
    void openBlasIsLoadedWithOneThreadUnlessTheUserChoseOtherwise() throws Throwable {
        OpenBlasLibrary.load();
        String user = System.getenv("OPENBLAS_NUM_THREADS"); // the JVM's copy, taken at start
        if (user == null && System.getenv("GOTO_NUM_THREADS") == null) {
            assertEquals("1", getenv("OPENBLAS_NUM_THREADS"));
        } else {
            assertEquals(user, getenv("OPENBLAS_NUM_THREADS"), "the user's own setting is kept");
        }
    }

    private static String getenv(String name) throws Throwable {
        Linker linker = Linker.nativeLinker();
        MethodHandle getenv = linker.downcallHandle(linker.defaultLookup().find("getenv").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment value = (MemorySegment) getenv.invokeExact(arena.allocateFrom(name));
            return value.equals(MemorySegment.NULL) ? null : value.reinterpret(Long.MAX_VALUE).getString(0);
        }
    }
}
