package dev.stride.optim;

/**
 * {@code minLr + (lr - minLr) * (1 + cos(pi * t / period)) / 2} for t up to {@code period}, and
 * {@code minLr} after it. This is the closed form of PyTorch's CosineAnnealingLR over its first
 * half-period; past the period PyTorch's rate climbs back up, which a run that simply trains a
 * little longer than planned does not want, so here it stays at the minimum.
 *
 * @param lr the rate at t = 0
 * @param minLr the rate at t = period and after
 * @param period the time units from {@code lr} down to {@code minLr}, at least 1
 */
public record CosineAnnealing(double lr, double minLr, long period) implements LrSchedule {

    /**
     * Checks the values.
     *
     * @throws IllegalArgumentException when a rate is negative or not finite, or the period below 1
     */
    public CosineAnnealing {
        LrSchedule.checkRate("cosine annealing", "lr", lr);
        LrSchedule.checkRate("cosine annealing", "minLr", minLr);
        LrSchedule.checkPeriod("cosine annealing", "period", period);
        if (minLr > lr) {
            throw new IllegalArgumentException("cosine annealing: minLr " + minLr + " is above the starting lr " + lr);
        }
    }

    @Override
    public double lr(long t) {
        LrSchedule.checkTime(t);
        if (t >= period) {
            return minLr;
        }
        return minLr + (lr - minLr) * (1 + Math.cos(Math.PI * t / period)) / 2;
    }

    @Override
    public String describe() {
        return "cosine(" + lr + " -> " + minLr + " over " + period + ")";
    }
}
