package dev.stride.spark;

import dev.stride.nn.Parameter;
import dev.stride.optim.Optimizer;

import java.io.Serializable;
import java.lang.foreign.Arena;
import java.util.List;

/** Makes the optimiser on each worker (and on the driver for the first checkpoint); shipped to executors, hence serialisable. */
@FunctionalInterface
public interface OptimizerFactory extends Serializable {
    Optimizer create(List<Parameter> parameters, Arena arena);
}
