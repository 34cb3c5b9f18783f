package dev.stride.optim;

/**
 * The one-cycle policy (Smith and Topin 2017) as PyTorch's OneCycleLR has it with cosine
 * annealing, two phases: from {@code maxLr / divFactor} up to {@code maxLr} over the first
 * {@code pctStart} of the steps, then down to {@code maxLr / divFactor / finalDivFactor} at the last
 * step, each phase a half cosine. Past the last step the rate stays at its minimum (PyTorch
 * raises an error there).
 *
 * @param maxLr the peak rate
 * @param totalSteps the steps of the whole cycle, at least 2
 * @param pctStart the fraction of the steps spent going up, in (0, 1)
 * @param divFactor the starting rate is {@code maxLr / divFactor}
 * @param finalDivFactor the last rate is {@code maxLr / divFactor / finalDivFactor}
 */
public record OneCycle(double maxLr, long totalSteps, double pctStart, double divFactor, double finalDivFactor)
        implements LrSchedule {

    /**
     * Checks the values.
     *
     * @throws IllegalArgumentException when one is out of range
     */
    public OneCycle {
        LrSchedule.checkRate("one-cycle", "maxLr", maxLr);
        LrSchedule.checkPeriod("one-cycle", "totalSteps", totalSteps);
        if (!(pctStart > 0 && pctStart < 1) || !(divFactor >= 1) || !(finalDivFactor >= 1) || totalSteps < 2) {
            throw new IllegalArgumentException("one-cycle: pctStart must be in (0, 1), divFactor and finalDivFactor at least 1, "
                    + "and totalSteps at least 2; got " + pctStart + ", " + divFactor + ", " + finalDivFactor + ", " + totalSteps);
        }
    }

    /**
     * PyTorch's defaults: 30% of the steps up, from maxLr/25, down to maxLr/25/1e4.
     *
     * @param maxLr the peak rate
     * @param totalSteps the steps of the whole cycle
     * @return the schedule
     */
    public static OneCycle of(double maxLr, long totalSteps) {
        return new OneCycle(maxLr, totalSteps, 0.3, 25, 1e4);
    }

    @Override
    public double lr(long t) {
        LrSchedule.checkTime(t);
        double initial = maxLr / divFactor;
        double min = initial / finalDivFactor;
        double upEnd = pctStart * totalSteps - 1;   // PyTorch's end_step of the first phase, a float
        double last = totalSteps - 1;
        if (t <= upEnd) {
            return anneal(initial, maxLr, t / upEnd);
        }
        return t >= last ? min : anneal(maxLr, min, (t - upEnd) / (last - upEnd));
    }

    private static double anneal(double start, double end, double pct) {
        return end + (start - end) / 2 * (Math.cos(Math.PI * pct) + 1);
    }

    @Override
    public String describe() {
        return "one-cycle(" + maxLr / divFactor + " -> " + maxLr + " over " + Math.round(pctStart * 100) + "% of "
                + totalSteps + " steps -> " + maxLr / divFactor / finalDivFactor + ")";
    }
}
