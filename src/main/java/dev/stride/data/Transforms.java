package dev.stride.data;

import java.util.List;
import java.util.SplittableRandom;
import java.util.function.BiFunction;

/**
 * The image transforms, after torchvision's: {@link #resize}, {@link #centerCrop},
 * {@link #randomCrop} with zero padding, {@link #randomResizedCrop} and {@link #horizontalFlip}.
 * Per-channel normalisation is not here: it is the {@link Normalization} the loader applies last.
 */
public final class Transforms {
    private Transforms() {
    }

    /**
     * Bilinear resize to {@code height x width} (pixel centres aligned, as align_corners=False).
     *
     * @param height the rows wanted
     * @param width the columns wanted
     * @return the transform
     */
    public static ImageTransform resize(int height, int width) {
        positive(height, width, "resize");
        return toSize(height, width, (in, random) -> resized(in, 0, 0, in.height(), in.width(), height, width));
    }

    /**
     * The central {@code height x width} window; an image smaller than that is zero-padded around.
     *
     * @param height the rows wanted
     * @param width the columns wanted
     * @return the transform
     */
    public static ImageTransform centerCrop(int height, int width) {
        positive(height, width, "centre crop");
        return toSize(height, width, (in, random) -> crop(in, (in.height() - height) / 2, (in.width() - width) / 2, height, width));
    }

    /**
     * A random {@code height x width} window of the image zero-padded by {@code padding} on every
     * side; with the image's own size, a random shift of up to {@code padding} pixels (CIFAR's
     * standard augmentation with padding 4).
     *
     * @param height the rows wanted
     * @param width the columns wanted
     * @param padding the zero border added on every side first
     * @return the transform
     */
    public static ImageTransform randomCrop(int height, int width, int padding) {
        positive(height, width, "random crop");
        if (padding < 0) {
            throw new IllegalArgumentException("random crop: padding must be 0 or more, got " + padding);
        }
        return new ImageTransform() {
            @Override
            public int[] outputSize(int h, int w) {
                if (h + 2 * padding < height || w + 2 * padding < width) {
                    throw new IllegalArgumentException("random crop " + height + "x" + width + " is larger than the "
                            + h + "x" + w + " images padded by " + padding);
                }
                return new int[] {height, width};
            }

            @Override
            public U8Image apply(U8Image in, SplittableRandom random) {
                int y0 = random.nextInt(in.height() + 2 * padding - height + 1) - padding;
                int x0 = random.nextInt(in.width() + 2 * padding - width + 1) - padding;
                return crop(in, y0, x0, height, width);
            }
        };
    }

    /**
     * torchvision's RandomResizedCrop: a window of {@code scaleMin..scaleMax} of the area and an
     * aspect ratio between 3/4 and 4/3 (log-uniform), resized to {@code height x width}; after ten
     * failed draws, the central crop of the largest window the ratio bounds allow.
     *
     * @param height the rows wanted
     * @param width the columns wanted
     * @param scaleMin the smallest share of the area
     * @param scaleMax the largest share of the area
     * @return the transform
     */
    public static ImageTransform randomResizedCrop(int height, int width, double scaleMin, double scaleMax) {
        positive(height, width, "random resized crop");
        if (!(scaleMin > 0 && scaleMin <= scaleMax && scaleMax <= 1)) {
            throw new IllegalArgumentException("random resized crop: need 0 < scaleMin <= scaleMax <= 1, got "
                    + scaleMin + ", " + scaleMax);
        }
        return toSize(height, width, (in, random) -> randomResizedWindow(in, random, height, width, scaleMin, scaleMax));
    }

    private static U8Image randomResizedWindow(U8Image in, SplittableRandom random, int height, int width,
                                               double scaleMin, double scaleMax) {
        double logLo = Math.log(3.0 / 4);
        double logHi = Math.log(4.0 / 3);
        int h = in.height();
        int w = in.width();
        double area = (double) h * w;
        for (int attempt = 0; attempt < 10; attempt++) {
            double target = area * (scaleMin + random.nextDouble() * (scaleMax - scaleMin));
            double ratio = Math.exp(logLo + random.nextDouble() * (logHi - logLo));
            int cw = (int) Math.round(Math.sqrt(target * ratio));
            int ch = (int) Math.round(Math.sqrt(target / ratio));
            if (cw > 0 && ch > 0 && cw <= w && ch <= h) {
                int y0 = random.nextInt(h - ch + 1);
                int x0 = random.nextInt(w - cw + 1);
                return resized(in, y0, x0, ch, cw, height, width);
            }
        }
        double ratio = (double) w / h;
        int cw = w;
        int ch = h;
        if (ratio < 3.0 / 4) {
            ch = (int) Math.round(w / (3.0 / 4));
        } else if (ratio > 4.0 / 3) {
            cw = (int) Math.round(h * (4.0 / 3));
        }
        ch = Math.min(ch, h);
        cw = Math.min(cw, w);
        return resized(in, (h - ch) / 2, (w - cw) / 2, ch, cw, height, width);
    }

    /** A transform whose output is {@code height x width} whatever it is given. */
    private static ImageTransform toSize(int height, int width, BiFunction<U8Image, SplittableRandom, U8Image> apply) {
        return new ImageTransform() {
            @Override
            public int[] outputSize(int h, int w) {
                return new int[] {height, width};
            }

            @Override
            public U8Image apply(U8Image in, SplittableRandom random) {
                return apply.apply(in, random);
            }
        };
    }

    /**
     * Mirrors the image left to right with probability {@code p}.
     *
     * @param p the probability, in [0, 1]
     * @return the transform
     */
    public static ImageTransform horizontalFlip(double p) {
        if (!(p >= 0 && p <= 1)) {
            throw new IllegalArgumentException("flip probability must be in [0, 1], got " + p);
        }
        return new ImageTransform() {
            @Override
            public int[] outputSize(int h, int w) {
                return new int[] {h, w};
            }

            @Override
            public U8Image apply(U8Image in, SplittableRandom random) {
                // Drawn even when p is 0 or 1, so adding a flip does not change the draws after it.
                if (random.nextDouble() >= p) {
                    return in;
                }
                int c = in.channels();
                int h = in.height();
                int w = in.width();
                byte[] src = in.pixels();
                byte[] out = new byte[src.length];
                for (int row = 0; row < c * h; row++) {
                    for (int x = 0; x < w; x++) {
                        out[row * w + x] = src[row * w + w - 1 - x];
                    }
                }
                return new U8Image(out, c, h, w);
            }
        };
    }

    /**
     * {height, width} after every transform of {@code pipeline}, in order.
     *
     * @param pipeline the transforms
     * @param height the input's rows
     * @param width the input's columns
     * @return the output's rows and columns
     */
    public static int[] outputSize(List<ImageTransform> pipeline, int height, int width) {
        int[] hw = {height, width};
        for (ImageTransform t : pipeline) {
            hw = t.outputSize(hw[0], hw[1]);
        }
        return hw;
    }

    /**
     * The image after every transform of {@code pipeline}, in order.
     *
     * @param pipeline the transforms
     * @param image the input
     * @param random the generator for random transforms
     * @return the transformed image
     */
    public static U8Image apply(List<ImageTransform> pipeline, U8Image image, SplittableRandom random) {
        U8Image at = image;
        for (ImageTransform t : pipeline) {
            at = t.apply(at, random);
        }
        return at;
    }

    /** The window at (y0, x0) of size h x w; what lies outside the image is 0. */
    static U8Image crop(U8Image in, int y0, int x0, int h, int w) {
        byte[] out = new byte[in.channels() * h * w];
        byte[] src = in.pixels();
        int ih = in.height();
        int iw = in.width();
        for (int c = 0; c < in.channels(); c++) {
            for (int y = 0; y < h; y++) {
                int sy = y0 + y;
                if (sy < 0 || sy >= ih) {
                    continue;
                }
                for (int x = 0; x < w; x++) {
                    int sx = x0 + x;
                    if (sx >= 0 && sx < iw) {
                        out[(c * h + y) * w + x] = src[(c * ih + sy) * iw + sx];
                    }
                }
            }
        }
        return new U8Image(out, in.channels(), h, w);
    }

    /** The window (y0, x0, ch, cw) of {@code in} resized bilinearly to outH x outW. */
    static U8Image resized(U8Image in, int y0, int x0, int ch, int cw, int outH, int outW) {
        if (y0 == 0 && x0 == 0 && ch == outH && cw == outW && ch == in.height() && cw == in.width()) {
            return in;
        }
        byte[] out = new byte[in.channels() * outH * outW];
        double sy = (double) ch / outH;
        double sx = (double) cw / outW;
        for (int y = 0; y < outH; y++) {
            // sample position in the window, pixel centres aligned, clamped at the edges
            double fy = Math.max(0, Math.min(ch - 1, (y + 0.5) * sy - 0.5));
            int yA = (int) fy;
            int yB = Math.min(yA + 1, ch - 1);
            double wy = fy - yA;
            for (int x = 0; x < outW; x++) {
                double fx = Math.max(0, Math.min(cw - 1, (x + 0.5) * sx - 0.5));
                int xA = (int) fx;
                int xB = Math.min(xA + 1, cw - 1);
                double wx = fx - xA;
                for (int c = 0; c < in.channels(); c++) {
                    double top = in.get(c, y0 + yA, x0 + xA) * (1 - wx) + in.get(c, y0 + yA, x0 + xB) * wx;
                    double bottom = in.get(c, y0 + yB, x0 + xA) * (1 - wx) + in.get(c, y0 + yB, x0 + xB) * wx;
                    out[(c * outH + y) * outW + x] = (byte) Math.round(top * (1 - wy) + bottom * wy);
                }
            }
        }
        return new U8Image(out, in.channels(), outH, outW);
    }

    private static void positive(int height, int width, String what) {
        if (height < 1 || width < 1) {
            throw new IllegalArgumentException(what + ": size must be positive, got " + height + "x" + width);
        }
    }
}
