package dev.stride.ops;

import java.lang.foreign.MemorySegment;

/**
 * Whether Stride's Winograd transforms, activations and 2x2 max pooling run on the Vector API
 * ({@code jdk.incubator.vector}: {@link VectorLoops}, {@link VectorActivations}, {@link VectorPooling})
 * or on the plain loops that C2 vectorises by itself.
 *
 * <p>The Vector API is still an incubator module in JDK 25, so the JVM resolves it only when asked
 * to: {@code --add-modules jdk.incubator.vector} (the project's scripts, tests and benchmarks pass
 * it). Without it every path still works, on the plain loops. Why it matters: C2 leaves a loop
 * scalar when it reads an array at an offset from an index it also stores at, or stores into a
 * segment, and the transforms do both; the plain loops get round it with heap copies, which took
 * about half of the transforms' time and which the Vector API does without
 * (docs/design-measurements.md). Which layers use it: see
 * {@link Winograd#Winograd(int, int, int, int)}. {@code -Dstride.vector=false} turns it off with
 * the module present, for comparisons.
 */
public final class VectorSupport {
    /** The system property that turns the Vector API off ({@code false}) although the module is present. */
    public static final String PROPERTY = "stride.vector";
    /** The module, as the JVM option that resolves it names it. */
    public static final String MODULE = "jdk.incubator.vector";

    /**
     * Floats of slack past the end of a heap array that Vector API loops read with a mask: a masked
     * load that reaches past the array's end takes a slow path that allocates (seen in Winograd's
     * output transform; docs/design-measurements.md), so such arrays are
     * grown this much longer than the data (the longest vector of any machine, 2048 bits).
     */
    public static final int SLACK_FLOATS = 64;

    /**
     * Whether {@code floats} floats from float index {@code index} lie in the segment: where a
     * Vector API loop reads or stores a whole vector for a row's last, partial one (using only
     * part of it), it first checks the vector stays inside, and else leaves those values to a
     * plain loop.
     */
    static boolean holds(MemorySegment s, long index, int floats) {
        return (index + floats) * Float.BYTES <= s.byteSize();
    }

    private static final boolean PRESENT = ModuleLayer.boot().findModule(MODULE).isPresent();
    private static final boolean ENABLED = PRESENT && Boolean.parseBoolean(System.getProperty(PROPERTY, "true"));

    private VectorSupport() {
    }

    /** True when the JVM resolved the module (so {@link VectorLoops} can load). */
    public static boolean present() {
        return PRESENT;
    }

    /** True when the transforms use the Vector API: the module is present and not turned off. */
    public static boolean enabled() {
        return ENABLED;
    }

    /**
     * Throws when a caller asks for the Vector API paths explicitly ({@code who}: the layer or
     * kernel, for the message) and the JVM did not resolve the module.
     */
    public static void requirePresent(String who) {
        if (!PRESENT) {
            throw new IllegalStateException(who + ": the Vector API paths need the JVM option --add-modules " + MODULE);
        }
    }

    /** One line for {@code stride info}: what is in use, and how to change it. */
    public static String describe() {
        if (ENABLED) {
            return "on (" + MODULE + "; -D" + PROPERTY + "=false turns it off)";
        }
        if (PRESENT) {
            return "off (-D" + PROPERTY + "=false)";
        }
        return "off: start the JVM with --add-modules " + MODULE + " for faster Winograd transforms, activations and pooling";
    }
}
