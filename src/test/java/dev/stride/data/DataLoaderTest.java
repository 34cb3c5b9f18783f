package dev.stride.data;

import dev.stride.tensor.Shape;
import dev.stride.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

class DataLoaderTest {
    private static final int H = 5;
    private static final int W = 6;

    /** n two-channel images whose first pixel is the item's index, so every output value says where it came from. */
    private static Dataset indexed(int n) {
        byte[] pixels = new byte[n * 2 * H * W];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            pixels[i * 2 * H * W] = (byte) i;
            pixels[i * 2 * H * W + H * W] = (byte) (255 - i);
            labels[i] = i % 10;
        }
        return new Dataset(pixels, labels, 2, H, W, 10);
    }

    /** The items of each batch of one epoch, read back from the tensor (and checked against the labels). */
    private static List<int[]> epoch(DataLoader loader, int e) {
        loader.startEpoch(e);
        List<int[]> batches = new ArrayList<>();
        while (loader.next()) {
            Tensor in = loader.input();
            int[] items = new int[loader.size()];
            for (int b = 0; b < items.length; b++) {
                items[b] = Math.round(in.get(b, 0, 0, 0) * 255f);
                assertEquals(255 - items[b], Math.round(in.get(b, 1, 0, 0) * 255f), "channel 1 of the same item");
                assertEquals(items[b] % 10, loader.labels()[b], "label travels with its image");
            }
            batches.add(items);
        }
        return batches;
    }

    private static int[] flatten(List<int[]> batches) {
        return batches.stream().flatMapToInt(Arrays::stream).toArray();
    }

    @Test
    void evaluationVisitsItemsInOrderWithAPartialLastBatch() {
        try (Arena arena = Arena.ofConfined()) {
            DataLoader loader = new DataLoader(indexed(10), Normalization.identity(2), LoaderSpec.evaluation(4), arena);
            assertEquals(3, loader.batchesPerEpoch());
            List<int[]> batches = epoch(loader, 0);
            assertEquals(3, batches.size());
            assertArrayEquals(new int[] {8, 9}, batches.get(2));
            assertArrayEquals(new int[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, flatten(batches));

            loader.startEpoch(0);
            loader.next();
            Tensor full = loader.input();
            assertEquals(Shape.of(4, 2, H, W), full.shape());
            loader.next();
            assertSame(full, loader.input(), "full batches reuse the one tensor");
            loader.next();
            assertEquals(Shape.of(2, 2, H, W), loader.input().shape());
            assertSame(full.segment(), loader.input().segment(), "the last batch is a view of it");
            assertFalse(loader.next());
            assertThrows(IllegalStateException.class, loader::input);
        }
    }

    @Test
    void shufflingIsDeterministicPerSeedAndEpoch() {
        try (Arena arena = Arena.ofConfined()) {
            Dataset data = indexed(37);
            DataLoader a = new DataLoader(data, Normalization.identity(2), LoaderSpec.training(8, 42, 0), arena);
            DataLoader b = new DataLoader(data, Normalization.identity(2), LoaderSpec.training(8, 42, 0), arena);
            DataLoader c = new DataLoader(data, Normalization.identity(2), LoaderSpec.training(8, 43, 0), arena);

            int[] a0 = flatten(epoch(a, 0));
            int[] a1 = flatten(epoch(a, 1));
            int[] a2 = flatten(epoch(a, 2));
            assertArrayEquals(a2, flatten(epoch(b, 2)), "an epoch replays on its own, whatever ran before");
            assertArrayEquals(a0, flatten(epoch(b, 0)));
            assertFalse(Arrays.equals(a0, a1), "each epoch has its own order");
            assertFalse(Arrays.equals(a0, flatten(epoch(c, 0))), "another seed gives another order");

            int[] sorted = a1.clone();
            Arrays.sort(sorted);
            int[] all = new int[37];
            Arrays.setAll(all, i -> i);
            assertArrayEquals(all, sorted, "an epoch visits every item exactly once");
            assertEquals(5, epoch(a, 3).get(4).length, "37 = 4 * 8 + 5");
        }
    }

    @Test
    void batchLargerThanTheDataSetIsOneBatch() {
        try (Arena arena = Arena.ofConfined()) {
            DataLoader loader = new DataLoader(indexed(3), Normalization.identity(2), LoaderSpec.evaluation(64), arena);
            assertEquals(1, loader.batchesPerEpoch());
            assertEquals(Shape.of(3, 2, H, W), loader.fullInput().shape());
        }
    }

    @Test
    void shiftMovesABrightPixelByTheOffset() {
        byte[] pixels = new byte[H * W];
        pixels[2 * W + 3] = (byte) 255;
        Dataset dot = new Dataset(pixels, new int[] {1}, 1, H, W, 10);
        Normalization norm = new Normalization(new float[] {0.1f}, new float[] {0.5f});
        float background = norm.apply(0, 0);
        float bright = norm.apply(0, 255);
        try (Arena arena = Arena.ofConfined()) {
            DataLoader loader = new DataLoader(dot, norm, LoaderSpec.training(1, 7, 2), arena);
            for (int[] d : new int[][] {{0, 0}, {1, -2}, {-2, 2}, {2, 1}, {-1, -1}}) {
                float[] out = loader.fillSample(0, d[0], d[1]);
                for (int y = 0; y < H; y++) {
                    for (int x = 0; x < W; x++) {
                        boolean moved = y == 2 + d[0] && x == 3 + d[1];
                        assertEquals(moved ? bright : background, out[y * W + x], 0f, "shift " + Arrays.toString(d) + " at " + y + "," + x);
                    }
                }
            }
            float[] gone = loader.fillSample(0, 0, 3); // pushed past the right edge
            for (float v : gone) {
                assertEquals(background, v, 0f);
            }

            // Through the loader: each epoch moves the dot by a seeded offset within +-2, and over
            // many epochs most of the 25 offsets occur.
            Set<Integer> seen = new HashSet<>();
            for (int e = 0; e < 200; e++) {
                int pos = brightPosition(loader, e, bright);
                assertEquals(pos, brightPosition(loader, e, bright), "same epoch, same shift");
                int dy = pos / W - 2;
                int dx = pos % W - 3;
                assertTrue(Math.abs(dy) <= 2 && Math.abs(dx) <= 2, "shift " + dy + "," + dx);
                seen.add(pos);
            }
            assertTrue(seen.size() >= 15, seen.size() + " distinct shifts out of 25");
        }
    }

    private static int brightPosition(DataLoader loader, int epoch, float bright) {
        loader.startEpoch(epoch);
        assertTrue(loader.next());
        float[] v = loader.input().toArray();
        int pos = -1;
        for (int i = 0; i < v.length; i++) {
            if (v[i] == bright) {
                assertEquals(-1, pos, "exactly one bright pixel");
                pos = i;
            }
        }
        assertTrue(pos >= 0, "the dot stays in view for shifts within 2");
        return pos;
    }

    @Test
    void normalisationStatisticsAndValues() {
        // Channel 0 holds 0 and 102 (0.0 and 0.4) equally often: mean 0.2, std 0.2.
        // Channel 1 holds 255 once and 0 three times (per 4 pixels): mean 0.25, std sqrt(3)/4.
        int n = 3;
        int plane = 4;
        byte[] pixels = new byte[n * 2 * plane];
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < plane; k++) {
                pixels[i * 2 * plane + k] = (byte) (k % 2 == 0 ? 0 : 102);
                pixels[i * 2 * plane + plane + k] = (byte) (k == 0 ? 255 : 0);
            }
        }
        Dataset data = new Dataset(pixels, new int[] {0, 1, 2}, 2, 2, 2, 3);
        Normalization norm = Normalization.of(data);
        assertArrayEquals(new float[] {0.2f, 0.25f}, norm.mean(), 1e-6f);
        assertArrayEquals(new float[] {0.2f, (float) (Math.sqrt(3) / 4)}, norm.std(), 1e-6f);
        assertEquals(1f, norm.apply(0, 102), 1e-5f);
        assertEquals(-1f, norm.apply(0, 0), 1e-5f);
        assertEquals(norm, new Normalization(norm.mean(), norm.std()), "a value that can be saved and restored");

        try (Arena arena = Arena.ofConfined()) {
            DataLoader loader = new DataLoader(data, norm, LoaderSpec.evaluation(3), arena);
            assertTrue(loader.next());
            double sum = 0;
            double sq = 0;
            for (int i = 0; i < n; i++) {
                for (int k = 0; k < plane; k++) {
                    float v = loader.input().get(i, 1, k / 2, k % 2);
                    sum += v;
                    sq += v * v;
                }
            }
            assertEquals(0, sum / (n * plane), 1e-5, "normalised training data has mean 0");
            assertEquals(1, sq / (n * plane), 1e-5, "and variance 1");
        }
    }

    @Test
    void mismatchesAreClearErrors() {
        try (Arena arena = Arena.ofConfined()) {
            Dataset data = indexed(4);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> new DataLoader(data, Normalization.identity(1), LoaderSpec.evaluation(2), arena));
            assertTrue(e.getMessage().contains("1 channels"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> new DataLoader(data, Normalization.identity(2), LoaderSpec.training(2, 1, W), arena));
            assertThrows(IllegalArgumentException.class, () -> new Normalization(new float[] {0.5f}, new float[] {0f}));
            assertThrows(IllegalArgumentException.class, () -> new Dataset(new byte[8], new int[] {0, 12}, 1, 2, 2, 10));
        }
    }
}
