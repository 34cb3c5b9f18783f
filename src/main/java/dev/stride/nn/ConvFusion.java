package dev.stride.nn;

import java.util.List;

/**
 * Fusion of batch norm and the activation after it into the convolution before them, for
 * inference builds ({@link BuildOptions#fusion()}): in a chain of layers where each one's output
 * is read only by the next (a {@link Sequential}'s children, a {@link ResidualBlock}'s main path),
 * every run Conv2d - BatchNorm2d, optionally followed by a Relu or Relu6, becomes one pass: the
 * convolution normalises and clamps its own output ({@link Conv2d}), and the batch norm and the
 * activation pass their input through. Whatever reads the run's output reads the convolution's
 * buffer, which then holds what the activation (or the batch norm) would have written, and
 * nothing else reads the convolution's or the batch norm's own output, so only such chains fuse.
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
        }
        if (!options.fuses()) {
            return;
        }
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
}
