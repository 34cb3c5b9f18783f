package dev.stride.blas;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * Changes this process's environment through libc's setenv and unsetenv: the JVM cannot change its
 * own, and OpenBLAS reads its settings from it when it loads.
 */
final class ProcessEnvironment {
    private ProcessEnvironment() {
    }

    /** setenv(name, value, 1); true when it returned 0. */
    static boolean set(String name, String value) {
        return call("setenv", name, value);
    }

    /** unsetenv(name); true when it returned 0. */
    static boolean unset(String name) {
        return call("unsetenv", name, null);
    }

    private static boolean call(String function, String name, String value) {
        Linker linker = Linker.nativeLinker();
        MemorySegment symbol = linker.defaultLookup().find(function).orElse(null);
        if (symbol == null) {
            return false;
        }
        try (Arena arena = Arena.ofConfined()) {
            // Both functions copy what they need, so the strings may be freed when the arena closes.
            MemorySegment n = arena.allocateFrom(name);
            if (value == null) {
                MethodHandle unsetenv = linker.downcallHandle(symbol,
                        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS));
                return (int) unsetenv.invokeExact(n) == 0;
            }
            MethodHandle setenv = linker.downcallHandle(symbol,
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
            return (int) setenv.invokeExact(n, arena.allocateFrom(value), 1) == 0;
        } catch (Throwable t) {
            return false;
        }
    }
}
