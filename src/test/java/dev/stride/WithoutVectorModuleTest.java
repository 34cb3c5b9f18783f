package dev.stride;

import dev.stride.ops.VectorSupport;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * Runs only in the build's second test execution, a JVM without {@code --add-modules
 * jdk.incubator.vector} (see pom.xml), which also runs the layer, optimiser and training tests:
 * this checks that the execution really lacks the module, so that those tests ran the plain loops.
 */
class WithoutVectorModuleTest {

    @Test
    void theVectorApiIsAbsentAndSaysHowToTurnItOn() {
        assertFalse(VectorSupport.present(), "this execution must run without " + VectorSupport.MODULE);
        assertFalse(VectorSupport.enabled());
        assertEquals("off: start the JVM with --add-modules " + VectorSupport.MODULE
                + " for faster Winograd transforms, activations and pooling", VectorSupport.describe());
    }
}
