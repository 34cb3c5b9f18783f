package dev.stride.nn;

import dev.stride.blas.Gemm;
import dev.stride.blas.GemmBackend;
import dev.stride.ops.VectorSupport;
import dev.stride.tensor.Tensor;
import dev.stride.tensor.Workspace;
import dev.stride.testing.Allocations;
import dev.stride.testing.GradientCheck;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.Arena;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Winograd layers allocate nothing per pass once compiled, on the Vector API loops too (whose
 * vectors and masks C2 must keep in registers): both of its layouts of V, on one thread. With the
 * pure-Java GEMM, so that no allowance for OpenBLAS's segment slices hides a small leak: one array
 * per call of a column-pass kernel (48 bytes, about 8 calls a pass) must fail it.
 */
class WinogradAllocationTest {

    static Stream<ConvCase> vectorGeometries() {
        return Stream.of(ConvCase.of("16x16 same", 2, 4, 16, 16, 4, 3, 3, 1, 1),
                ConvCase.of("22x22 same", 2, 4, 22, 22, 4, 3, 3, 1, 1));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("vectorGeometries")
    void forwardAndBackwardAllocateNothingOnceCompiled(ConvCase cc) {
        assertTrue(VectorSupport.enabled(), "the tests run with --add-modules " + VectorSupport.MODULE);
        Gemm gemm = GemmBackend.java();
        try (Arena arena = Arena.ofShared()) {
            Conv2d conv = Conv2dTest.built(cc, gemm, Im2colConv.MIN_COLUMNS, Im2colConv.KEEP_COLUMNS_FLOATS, 1, arena,
                    new Workspace(arena, 1), 7);
            Tensor x = GradientCheck.random(arena, 1, cc.n(), cc.c(), cc.h(), cc.w());
            Tensor dy = GradientCheck.random(arena, 2, cc.n(), cc.k(), cc.outH(), cc.outW());
            long perPass = Allocations.perCallOnceCompiled(50, 64, i -> {
                conv.forward(x);
                conv.backward(dy, true);
            });
            assertTrue(perPass < 64, cc + ": a forward and backward pass still allocated " + perPass
                    + " bytes on the Java heap after 20 s of passes (allowed 64: an occasional recompilation)");
        }
    }
}
