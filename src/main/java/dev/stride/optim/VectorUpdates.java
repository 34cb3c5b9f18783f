package dev.stride.optim;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/**
 * The optimisers' element loops on the Vector API, for when
 * {@link dev.stride.ops.VectorSupport#enabled} (only then may this class load): segment to segment
 * in one pass, where {@link Sgd}'s plain loop copies through heap chunks and {@link Adam}'s stays
 * scalar. The same float operations in the same order as the plain loops (no fused multiply-add;
 * lanewise sqrt is correctly rounded as the plain loop's float of a double sqrt is), so the same
 * bits. Offsets and counts are in floats.
 */
final class VectorUpdates {
    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();
    /**
     * Fewest floats of a parameter that the optimisers send here. Until C2 has compiled a loop, the
     * Vector API allocates for every operation, and a model whose parameters are all small makes so
     * few loop iterations a step that it kept allocating for hundreds of steps
     * (docs/design-measurements.md); below this size the plain loop costs only microseconds.
     */
    static final int MIN_FLOATS = 1024;

    private VectorUpdates() {
    }

    /**
     * {@link Sgd}'s update of {@code n} parameters p from gradients g: without momentum when
     * {@code v} is null, else with velocity v (Nesterov's form when asked); the last partial vector
     * goes to the plain loop. Nesterov's step or the velocity is picked lane by lane by a constant
     * mask rather than by a choice inside the loop: with the choice (a conditional on the flag),
     * C2 trapped at the loop and recompiled the method over and over in LeNet-5's training after
     * other calls had shaped its profile (17 "profile predicate" traps in ParallelTrainingTest run
     * after VectorUpdatesTest), and until it is compiled again the Vector API allocates.
     */
    static void sgd(MemorySegment p, long po, MemorySegment g, long go, MemorySegment v, long vo, long n,
                    float lr, float wd, float mu, boolean nesterov) {
        long i = 0;
        long bound = SPECIES.loopBound(n);
        if (v == null) {
            for (; i < bound; i += SPECIES.length()) {
                long pb = (po + i) * Float.BYTES;
                FloatVector w = FloatVector.fromMemorySegment(SPECIES, p, pb, ORDER);
                FloatVector gi = FloatVector.fromMemorySegment(SPECIES, g, (go + i) * Float.BYTES, ORDER).add(w.mul(wd));
                w.sub(gi.mul(lr)).intoMemorySegment(p, pb, ORDER);
            }
        } else {
            VectorMask<Float> lookAhead = SPECIES.maskAll(nesterov); // Nesterov's step, else the velocity
            for (; i < bound; i += SPECIES.length()) {
                long pb = (po + i) * Float.BYTES;
                long vb = (vo + i) * Float.BYTES;
                FloatVector w = FloatVector.fromMemorySegment(SPECIES, p, pb, ORDER);
                FloatVector gi = FloatVector.fromMemorySegment(SPECIES, g, (go + i) * Float.BYTES, ORDER).add(w.mul(wd));
                FloatVector vi = FloatVector.fromMemorySegment(SPECIES, v, vb, ORDER).mul(mu).add(gi);
                vi.intoMemorySegment(v, vb, ORDER);
                w.sub(vi.blend(gi.add(vi.mul(mu)), lookAhead).mul(lr)).intoMemorySegment(p, pb, ORDER);
            }
        }
        Sgd.updatePlain(p, po + i, g, go + i, v, vo + i, n - i, lr, wd, mu, nesterov);
    }

    /** {@link Adam}'s update of {@code n} parameters p from gradients g, with moments m and v. */
    static void adam(MemorySegment p, long po, MemorySegment g, long go, MemorySegment m, long mo, MemorySegment v,
                     long vo, long n, AdamStep s) {
        long i = 0;
        long bound = SPECIES.loopBound(n);
        for (; i < bound; i += SPECIES.length()) {
            long pb = (po + i) * Float.BYTES;
            long mb = (mo + i) * Float.BYTES;
            long vb = (vo + i) * Float.BYTES;
            FloatVector w = FloatVector.fromMemorySegment(SPECIES, p, pb, ORDER).mul(s.shrink);
            FloatVector gi = FloatVector.fromMemorySegment(SPECIES, g, (go + i) * Float.BYTES, ORDER).add(w.mul(s.l2));
            FloatVector mi = FloatVector.fromMemorySegment(SPECIES, m, mb, ORDER).mul(s.beta1).add(gi.mul(s.oneMinusBeta1));
            FloatVector vi = FloatVector.fromMemorySegment(SPECIES, v, vb, ORDER).mul(s.beta2)
                    .add(gi.mul(s.oneMinusBeta2).mul(gi));
            mi.intoMemorySegment(m, mb, ORDER);
            vi.intoMemorySegment(v, vb, ORDER);
            FloatVector denom = vi.sqrt().div(s.bc2Sqrt).add(s.eps);
            w.sub(mi.div(denom).mul(s.stepSize)).intoMemorySegment(p, pb, ORDER);
        }
        Adam.updatePlain(p, po + i, g, go + i, m, mo + i, v, vo + i, n - i, s);
    }
}
