package dev.stride.cli;

import dev.stride.nn.Parameter;
import dev.stride.optim.Adam;
import dev.stride.optim.AdamSpec;
import dev.stride.optim.LrSchedule;
import dev.stride.optim.Optimizer;
import dev.stride.optim.Sgd;
import dev.stride.optim.SgdSpec;
import picocli.CommandLine.Option;

import java.lang.foreign.Arena;
import java.util.List;
import java.util.Map;

/** The optimiser and learning-rate schedule options of {@code stride train}. */
// Serializable: stride spark-train ships the options to every worker, which makes its optimiser from them.
final class OptimizerOptions implements java.io.Serializable {
    enum Kind { sgd, momentum, nesterov, adam }

    enum Schedule { constant, step, cosine, onecycle }

    @Option(names = "--optimizer", defaultValue = "momentum",
            description = "sgd, momentum, nesterov or adam (default ${DEFAULT-VALUE}).")
    Kind kind;

    @Option(names = "--lr", description = "Peak learning rate (default 0.05 for SGD variants, 0.001 for Adam).")
    Double lr;

    @Option(names = "--momentum", defaultValue = "0.9", description = "Momentum for momentum/nesterov (default ${DEFAULT-VALUE}).")
    double momentum;

    @Option(names = "--weight-decay", defaultValue = "5e-4", description = "L2 weight decay (default ${DEFAULT-VALUE}).")
    double weightDecay;

    @Option(names = "--schedule", defaultValue = "cosine", description = "constant, step, cosine or onecycle (PyTorch's OneCycleLR peaking at --lr; default ${DEFAULT-VALUE}).")
    Schedule schedule;

    @Option(names = "--step-epochs", defaultValue = "2", description = "With --schedule step: epochs between decays (default ${DEFAULT-VALUE}).")
    int stepEpochs;

    @Option(names = "--gamma", defaultValue = "0.1", description = "With --schedule step: decay factor (default ${DEFAULT-VALUE}).")
    double gamma;

    @Option(names = "--warmup-epochs", defaultValue = "0.5", description = "Linear warm-up length in epochs, may be fractional (default ${DEFAULT-VALUE}).")
    double warmupEpochs;

    double peakLr() {
        return lr != null ? lr : kind == Kind.adam ? 1e-3 : 0.05;
    }

    Optimizer create(List<Parameter> parameters, Arena arena) {
        return switch (kind) {
            case sgd -> new Sgd(parameters, arena, SgdSpec.of(peakLr()).withWeightDecay(weightDecay));
            case momentum -> new Sgd(parameters, arena, SgdSpec.of(peakLr()).withMomentum(momentum).withWeightDecay(weightDecay));
            case nesterov -> new Sgd(parameters, arena,
                    SgdSpec.of(peakLr()).withMomentum(momentum).withNesterov(true).withWeightDecay(weightDecay));
            case adam -> new Adam(parameters, arena, AdamSpec.of(peakLr()).withWeightDecay(weightDecay));
        };
    }

    /**
     * The options that make the optimiser a checkpoint's metadata describes, e.g.
     * {@code " (--optimizer nesterov --momentum 0.9)"}; empty when it holds no optimiser state.
     */
    static String savedAs(Map<String, String> metadata) {
        String kind = metadata.get("optim.kind");
        if (kind == null) {
            return "";
        }
        if (kind.startsWith("adam")) {
            return " (--optimizer adam)";
        }
        double momentum = Double.parseDouble(metadata.getOrDefault("optim.momentum", "0"));
        if (momentum == 0) {
            return " (--optimizer sgd)";
        }
        String variant = Boolean.parseBoolean(metadata.get("optim.nesterov")) ? "nesterov" : "momentum";
        return " (--optimizer " + variant + " --momentum " + momentum + ")";
    }

    /** The schedule over optimiser steps, for a run of {@code totalSteps}. */
    LrSchedule schedule(long totalSteps, int stepsPerEpoch) {
        long warmup = Math.round(warmupEpochs * stepsPerEpoch);
        long rest = Math.max(1, totalSteps - warmup);
        LrSchedule main = switch (schedule) {
            case constant -> LrSchedule.constant(peakLr());
            case step -> LrSchedule.stepDecay(peakLr(), (long) stepEpochs * stepsPerEpoch, gamma);
            case cosine -> LrSchedule.cosine(peakLr(), 0, rest);
            case onecycle -> LrSchedule.oneCycle(peakLr(), Math.max(2, rest));
        };
        return warmup > 0 ? LrSchedule.warmup(warmup, main) : main;
    }
}
