package dev.stride.data;

/** The four uncompressed MNIST IDX files, each one's size and the SHA-256 of its exact bytes. */
public enum MnistFile {
    /** The 60,000 training images. */
    TRAIN_IMAGES("train-images-idx3-ubyte", 47_040_016, "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db"),
    /** The 60,000 training labels. */
    TRAIN_LABELS("train-labels-idx1-ubyte", 60_008, "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5"),
    /** The 10,000 test images. */
    TEST_IMAGES("t10k-images-idx3-ubyte", 7_840_016, "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7"),
    /** The 10,000 test labels. */
    TEST_LABELS("t10k-labels-idx1-ubyte", 10_008, "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2");

    private final ExpectedFile expected;

    // Sizes: 16-byte image headers plus count x 28 x 28 pixels, 8-byte label headers plus count labels.
    MnistFile(String fileName, long size, String sha256) {
        this.expected = new ExpectedFile(fileName, size, sha256);
    }

    /**
     * The file's name, as MNIST's site names it without {@code .gz}.
     *
     * @return the name
     */
    public String fileName() {
        return expected.name();
    }

    /**
     * The file's name, size and SHA-256.
     *
     * @return the expectation
     */
    public ExpectedFile expected() {
        return expected;
    }
}
