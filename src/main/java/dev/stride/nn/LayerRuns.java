package dev.stride.nn;

import dev.stride.tensor.Parallel;
import dev.stride.tensor.Tensor;

/**
 * What one built layer needs to run its part hooks: its output and input-gradient buffers, the
 * first-rows views of them for the current batch, the tensors of the pass in progress (read by the
 * parts) and the parallel split. Views are made again only when the batch changes, so steady-state
 * steps allocate nothing.
 */
final class LayerRuns {
    private final Layer layer;
    private final Parallel parallel;
    private final Tensor out;      // outputShape(built), or null for a layer without its own output
    private final Tensor dx;       // the built input shape; null in inference builds
    private Tensor outView;        // the first n samples of out
    private Tensor dxView;         // the first n samples of dx
    private Tensor lastX;
    private Tensor lastY;
    private Tensor pendingDy;      // dy of the backward in progress
    private Tensor pendingDx;      // dx of the backward in progress, or null
    // Made once so that a parallel call allocates nothing.
    private final Parallel.Body forwardParts = this::forwardPart;
    private final Parallel.Body channelParts = this::channelPart;
    private final Parallel.Body backwardParts = this::backwardPart;
    private final Parallel.Body parameterParts = this::parameterPart;

    LayerRuns(Layer layer, Parallel parallel, Tensor out, Tensor dx) {
        this.layer = layer;
        this.parallel = parallel;
        this.out = out;
        this.dx = dx;
        this.outView = out;
        this.dxView = dx;
    }

    Parallel parallel() {
        return parallel;
    }

    long outputIndex(Tensor y) {
        return y.offset() - out.offset();
    }

    Tensor forward(Tensor x) {
        int n = x.dim(0);
        if (outView.dim(0) != n) {
            outView = out.firstBatch(n);
        }
        lastX = x;
        lastY = outView;
        layer.beforeForward(n);
        int blocks;
        if (parallel.parts() == 1) {
            layer.forwardPart(x, outView, 0, n, 0);
        } else if (n < parallel.parts() && (blocks = layer.forwardChannels()) > 0) {
            // Fewer samples than parts: by samples some threads would idle, so cut the channels.
            // The cut depends only on n and the part count, never on timing.
            layer.beforeChannelParts(x, outView);
            parallel.forEach(blocks, channelParts);
        } else {
            parallel.forEach(n, forwardParts);
        }
        return outView;
    }

    Tensor backward(Tensor dy, boolean needInputGrad) {
        int n = lastX.dim(0);
        Tensor d = null;
        if (needInputGrad) {
            if (dxView.dim(0) != n) {
                dxView = dx.firstBatch(n);
            }
            d = dxView;
        }
        boolean parameters = layer.hasOwnParameters();
        pendingDy = dy;
        pendingDx = d;
        try {
            boolean byFeatures = parameters && layer.parameterGradSplit() == Split.FEATURES;
            if (byFeatures) {
                int features = dy.dim(1);
                if (parallel.parts() == 1) {
                    layer.parameterGradPart(lastX, dy, 0, features, 0);
                } else {
                    parallel.forEach(features, parameterParts);
                }
            }
            if (d != null || (parameters && !byFeatures)) {
                if (parallel.parts() == 1) {
                    layer.backwardPart(lastX, lastY, dy, d, 0, n, 0);
                } else {
                    parallel.forEach(n, backwardParts);
                }
            }
        } finally {
            pendingDy = null;
            pendingDx = null;
        }
        layer.afterBackward(d != null);
        return d;
    }

    private void forwardPart(int from, int to, int part) {
        layer.forwardPart(lastX, lastY, from, to, part);
    }

    private void channelPart(int from, int to, int part) {
        if (from < to) {
            layer.forwardChannelPart(lastX, lastY, from, to, part);
        }
    }

    private void backwardPart(int from, int to, int part) {
        layer.backwardPart(lastX, lastY, pendingDy, pendingDx, from, to, part);
    }

    private void parameterPart(int from, int to, int part) {
        layer.parameterGradPart(lastX, pendingDy, from, to, part);
    }
}
