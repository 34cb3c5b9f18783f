package dev.stride.nn;

import java.util.List;

/**
 * Fusion of batch norm and the activation after it into the convolution before them, for
 * inference builds, and of an activation into the batch norm before it, for any build
 * ({@link BuildOptions#fusion()}): in a chain of layers where each one's output
 * is read only by the next (a {@link Sequential}'s children, a {@link ResidualBlock}'s main path),
 * every run Conv2d - BatchNorm2d, optionally followed by a Relu or Relu6, becomes one pass: the
 * convolution normalises and clamps its own output ({@link Conv2d}), and the batch norm and the
 * activation pass their input through. Whatever reads the run's output reads the convolution's
 * buffer, which then holds what the activation (or the batch norm) would have written, and
 * nothing else reads the convolution's or the batch norm's own output, so only such chains fuse.
 * A BatchNorm2d directly followed by a Relu or Relu6 that no convolution took (every such pair in
 * a training build) takes the activation instead: it clamps its own output and applies the
 * activation's gradient in its backward passes ({@link BatchNormBase#fuseActivation}), and the
 * activation passes its input and its output gradient through.
 *
 * <p>The tree, the names and the parameters stay as they are; only how the build runs changes. A
 * composite calls {@link #mark} in its {@code allocate}, before building the chain, on every build,
 * so a rebuild for training unfuses what an inference build fused.
 */
final class ConvFusion {
    private ConvFusion() {
    }

    /**
     * Fuses the runs of {@code chain} when {@code options} ask for it, and unfuses every other
     * layer of it.
     *
     * @param chain layers run one after another, each reading only its predecessor's output
     * @param options the build's options
     */
    static void mark(List<Layer> chain, BuildOptions options) {
        for (Layer layer : chain) {
            layer.setPassThrough(false);
            if (layer instanceof Conv2d conv) {
                conv.fuse(null, Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY);
            }
            if (layer instanceof BatchNorm2d bn) {
                bn.fuseActivation(false, false);
            }
        }
        if (options.fuses()) {
            fuseIntoConvolutions(chain);
        }
        if (options.fusesActivations()) {
            fuseIntoBatchNorms(chain);
        }
    }

    /** Each Conv2d - BatchNorm2d run, with the ReLU or ReLU6 after it, into the convolution. */
    private static void fuseIntoConvolutions(List<Layer> chain) {
        for (int i = 0; i + 1 < chain.size(); i++) {
            if (chain.get(i) instanceof Conv2d conv && chain.get(i + 1) instanceof BatchNorm2d bn) {
                bn.setPassThrough(true);
                Layer next = i + 2 < chain.size() ? chain.get(i + 2) : null;
                if (next instanceof Relu || next instanceof Relu6) {
                    next.setPassThrough(true);
                    conv.fuse(bn, 0f, next instanceof Relu6 ? 6f : Float.POSITIVE_INFINITY);
                } else {
                    conv.fuse(bn, Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY);
                }
            }
        }
    }

    /** Each BatchNorm2d - ReLU/ReLU6 pair that no convolution took: the activation into the batch norm. */
    private static void fuseIntoBatchNorms(List<Layer> chain) {
        for (int i = 0; i + 1 < chain.size(); i++) {
            Layer next = chain.get(i + 1);
            if (chain.get(i) instanceof BatchNorm2d bn && !bn.passesThrough() && (next instanceof Relu || next instanceof Relu6)) {
                bn.fuseActivation(true, next instanceof Relu6);
                next.setPassThrough(true);
            }
        }
    }
}
