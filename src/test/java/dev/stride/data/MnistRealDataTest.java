package dev.stride.data;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Checks the real MNIST files when the cache holds them (scripts/get-mnist fills it); skipped otherwise. */
class MnistRealDataTest {

    @Test
    void realMnistLoads() throws IOException {
        Path dir = MnistDownloader.defaultDirectory();
        assumeTrue(MnistDownloader.isPresent(dir), "MNIST is not in " + dir + "; run scripts/get-mnist to enable this test");

        Dataset train = Dataset.mnistTrain(dir);
        Dataset test = Dataset.mnistTest(dir);
        assertEquals(60000, train.count());
        assertEquals(10000, test.count());
        assertEquals(28, train.height());
        assertEquals(28, train.width());
        assertEquals(5, train.label(0));
        assertEquals(7, test.label(0));

        // The statistics every MNIST tutorial quotes.
        Normalization norm = Normalization.of(train);
        assertEquals(0.1307f, norm.mean()[0], 1e-4f);
        assertEquals(0.3081f, norm.std()[0], 1e-4f);

        try (Arena arena = Arena.ofConfined()) {
            DataLoader loader = new DataLoader(test, norm, LoaderSpec.evaluation(4096), arena);
            int batches = 0;
            int items = 0;
            int last = 0;
            while (loader.next()) {
                assertEquals(test.label(items), loader.labels()[0]);
                assertEquals(loader.size(), loader.input().dim(0));
                batches++;
                items += loader.size();
                last = loader.size();
            }
            assertEquals(3, batches);
            assertEquals(10000, items);
            assertEquals(10000 - 2 * 4096, last);
        }
    }
}
