/**
 * Stride: convolutional neural networks on the JVM, off-heap tensors and OpenBLAS through the FFM API.
 *
 * <p>The core packages need only the JDK; OpenBLAS is a native library (the system's, or the one
 * unpacked from the {@code org.bytedeco:openblas} jar, read as a resource, so that jar is no module
 * this one requires). The jextract output, {@code dev.stride.blas.internal.openblas}, is not exported:
 * only {@code dev.stride.blas.OpenBlasGemm} calls it.
 */
// XChart names its module only in its manifest (Automatic-Module-Name): a stable name, and what
// there is to require.
@SuppressWarnings("requires-automatic")
module dev.stride {
    requires java.management; // JavaGemm reads a JVM flag (HotSpotDiagnosticMXBean)
    requires jdk.management;
    requires java.net.http; // the MNIST download
    requires java.desktop; // the command line reads and writes images

    // Optional at run time, as on the class path: VectorSupport checks whether the JVM resolved it
    // (--add-modules jdk.incubator.vector) and otherwise takes the plain loops.
    requires static jdk.incubator.vector;

    // The command line's libraries, which a program that embeds Stride neither needs nor gets
    // (optional dependencies in the pom): put them on the module path to run dev.stride.cli.
    requires static info.picocli;
    requires static me.tongfei.progressbar;
    requires static org.knowm.xchart;

    exports dev.stride.tensor;
    exports dev.stride.blas;
    exports dev.stride.ops;
    exports dev.stride.nn;
    exports dev.stride.optim;
    exports dev.stride.data;
    exports dev.stride.train;
    exports dev.stride.onnx;
    exports dev.stride.cli;

    // picocli sets the commands' annotated private fields by reflection.
    opens dev.stride.cli to info.picocli;
}
