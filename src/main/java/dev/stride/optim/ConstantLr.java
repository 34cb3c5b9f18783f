package dev.stride.optim;

/** The same learning rate at every time. */
public record ConstantLr(double lr) implements LrSchedule {

    public ConstantLr {
        LrSchedule.checkRate("constant schedule", "lr", lr);
    }

    @Override
    public double lr(long t) {
        LrSchedule.checkTime(t);
        return lr;
    }

    @Override
    public String describe() {
        return "constant(" + lr + ")";
    }
}
