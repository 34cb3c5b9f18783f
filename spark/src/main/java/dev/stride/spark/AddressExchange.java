package dev.stride.spark;

import java.io.IOException;

/** Every worker's message, by rank, once every worker has sent its own: Spark's barrier allGather, or threads in a test. */
@FunctionalInterface
public interface AddressExchange {
    String[] allGather(String mine) throws IOException;
}
