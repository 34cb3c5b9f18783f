package dev.stride.data;

import dev.stride.tensor.Shape;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

class TransformsTest {
    /** A c x h x w image whose pixel (c, y, x) is 10c + ... encoded so each position is recognisable. */
    private static U8Image ramp(int c, int h, int w) {
        byte[] p = new byte[c * h * w];
        for (int ch = 0; ch < c; ch++) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    p[(ch * h + y) * w + x] = (byte) (1 + ch * 100 + y * 10 + x);
                }
            }
        }
        return new U8Image(p, c, h, w);
    }

    @Test
    void centreCropTakesTheMiddleAndPadsWhenSmaller() {
        U8Image img = ramp(2, 5, 6);
        U8Image out = Transforms.centerCrop(3, 2).apply(img, new SplittableRandom(1));
        assertEquals(3, out.height());
        assertEquals(2, out.width());
        assertEquals(img.get(1, 1, 2), out.get(1, 0, 0));
        assertEquals(img.get(0, 3, 3), out.get(0, 2, 1));
        U8Image padded = Transforms.centerCrop(7, 6).apply(img, new SplittableRandom(1));
        assertEquals(0, padded.get(0, 0, 0), "row above the image is zero");
        assertEquals(img.get(0, 0, 0), padded.get(0, 1, 0));
    }

    @Test
    void randomCropWithPaddingIsAShiftOfAtMostThePadding() {
        U8Image img = ramp(3, 8, 8);
        ImageTransform t = Transforms.randomCrop(8, 8, 2);
        for (long seed = 0; seed < 50; seed++) {
            U8Image out = t.apply(img, new SplittableRandom(seed));
            // find where pixel (0, 4, 4) went: it must move by at most 2 in each direction
            boolean found = false;
            for (int y = 2; y <= 6; y++) {
                for (int x = 2; x <= 6; x++) {
                    found |= out.get(0, y, x) == img.get(0, 4, 4);
                }
            }
            assertTrue(found, "seed " + seed);
            assertArrayEquals(out.pixels(), t.apply(img, new SplittableRandom(seed)).pixels(), "same seed, same crop");
        }
    }

    @Test
    void flipMirrorsEveryRowAndResizeKeepsAConstantImageConstant() {
        U8Image img = ramp(2, 3, 4);
        U8Image flipped = Transforms.horizontalFlip(1).apply(img, new SplittableRandom(3));
        assertEquals(img.get(1, 2, 0), flipped.get(1, 2, 3));
        assertSame(img, Transforms.horizontalFlip(0).apply(img, new SplittableRandom(3)));

        byte[] flat = new byte[3 * 7 * 5];
        java.util.Arrays.fill(flat, (byte) 200);
        U8Image big = Transforms.resize(13, 11).apply(new U8Image(flat, 3, 7, 5), null);
        assertEquals(13, big.height());
        for (byte b : big.pixels()) {
            assertEquals(200, Byte.toUnsignedInt(b));
        }
        U8Image same = Transforms.resize(3, 4).apply(img, null);
        assertSame(img, same, "resizing to the same size changes nothing");
    }

    @Test
    void randomResizedCropHasTheAskedSizeAndIsSeeded() {
        U8Image img = ramp(3, 20, 30);
        ImageTransform t = Transforms.randomResizedCrop(8, 8, 0.08, 1.0);
        U8Image a = t.apply(img, new SplittableRandom(9));
        assertEquals(8, a.height());
        assertEquals(8, a.width());
        assertArrayEquals(a.pixels(), t.apply(img, new SplittableRandom(9)).pixels());
        assertThrows(IllegalArgumentException.class, () -> Transforms.randomResizedCrop(8, 8, 0.5, 0.2));
    }

    /** A data set that reads from memory but says it decodes, with image 3 broken. */
    private static ImageDataset lazy(int n) {
        Dataset mem = indexed(n);
        return new ImageDataset() {
            public int count() { return n; }
            public int channels() { return 1; }
            public int height() { return 4; }
            public int width() { return 4; }
            public int classes() { return 10; }
            public int label(int i) { return mem.label(i); }
            public List<String> classNames() { return List.of(); }
            public boolean inMemory() { return false; }
            public String describe(int i) { return "item" + i + ".png"; }
            public void read(int i, byte[] dst) throws IOException {
                if (i == 3) {
                    throw new IOException("item3.png: not an image");
                }
                mem.read(i, dst);
            }
        };
    }

    private static Dataset indexed(int n) {
        byte[] p = new byte[n * 16];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            java.util.Arrays.fill(p, i * 16, (i + 1) * 16, (byte) i);
            labels[i] = i % 10;
        }
        return new Dataset(p, labels, 1, 4, 4, 10);
    }

    private static List<Integer> epochItems(DataLoader loader, int epoch) {
        loader.startEpoch(epoch);
        List<Integer> items = new ArrayList<>();
        while (loader.next()) {
            for (int b = 0; b < loader.size(); b++) {
                int v = Math.round(loader.input().get(b, 0, 1, 1) * 255f);
                assertEquals(v % 10, loader.labels()[b]);
                items.add(v);
            }
        }
        return items;
    }

    @Test
    void decodingThreadsGiveTheSameBatchesAsTheCallerAndSkipABrokenImageOnce() {
        try (Arena arena = Arena.ofConfined()) {
            List<String> warnings = new ArrayList<>();
            List<ImageTransform> flip = List.of(Transforms.horizontalFlip(0.5), Transforms.centerCrop(2, 2));
            LoaderSpec spec = LoaderSpec.training(5, 7, 0);
            try (DataLoader threaded = new DataLoader(lazy(23), Normalization.identity(1), spec.withWorkers(2), flip, arena);
                 DataLoader inline = new DataLoader(lazy(23), Normalization.identity(1), spec.withWorkers(0), flip, arena)) {
                threaded.onWarning(warnings::add);
                inline.onWarning(w -> { });
                assertEquals(Shape.of(5, 1, 2, 2), threaded.fullInput().shape());
                for (int e = 0; e < 3; e++) {
                    List<Integer> a = epochItems(threaded, e);
                    assertEquals(a, epochItems(inline, e), "epoch " + e);
                    assertEquals(22, a.size());
                    assertFalse(a.contains(3));
                }
                assertEquals(List.of("stride: warning: skipped item3.png: not an image"), warnings);
                assertEquals(3, threaded.skipped());
            }
            try (DataLoader strict = new DataLoader(lazy(23), Normalization.identity(1),
                    LoaderSpec.evaluation(5).failingOnBrokenImages(), List.of(), arena)) {
                var e = assertThrows(java.io.UncheckedIOException.class, strict::next);
                assertTrue(e.getMessage().startsWith("item3.png: not an image"), e.getMessage());
            }
        }
    }

    @Test
    void statisticsOfADecodedDataSetMatchThoseInMemory() throws IOException {
        Dataset mem = indexed(9);
        Normalization a = Normalization.of(mem);
        Normalization b = Normalization.of((ImageDataset) new ImageDataset() {
            public int count() { return 9; }
            public int channels() { return 1; }
            public int height() { return 4; }
            public int width() { return 4; }
            public int classes() { return 10; }
            public int label(int i) { return mem.label(i); }
            public List<String> classNames() { return List.of(); }
            public boolean inMemory() { return false; }
            public String describe(int i) { return "x"; }
            public void read(int i, byte[] dst) { mem.read(i, dst); }
        });
        assertEquals(a.mean()[0], b.mean()[0], 1e-6);
        assertEquals(a.std()[0], b.std()[0], 1e-6);
    }
}
