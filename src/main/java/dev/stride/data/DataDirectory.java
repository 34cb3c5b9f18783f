package dev.stride.data;

import java.nio.file.Path;

/**
 * Where the data sets are cached: the system property {@code stride.data.dir}, else the environment
 * variable {@code STRIDE_DATA_DIR}, else {@code ~/.cache/stride}; each data set in a folder of its
 * own below (mnist, fashion-mnist, cifar10, cifar100).
 */
public final class DataDirectory {
    private DataDirectory() {
    }

    /**
     * The cache folder of the data set called {@code name}.
     *
     * @param name the data set's folder name, e.g. {@code mnist}
     * @return the folder under the data root
     */
    public static Path of(String name) {
        String root = System.getProperty(MnistDownloader.DIR_PROPERTY);
        if (root == null || root.isBlank()) {
            root = System.getenv(MnistDownloader.DIR_ENV);
        }
        if (root == null || root.isBlank()) {
            return Path.of(System.getProperty("user.home"), ".cache", "stride", name);
        }
        return Path.of(root, name);
    }
}
