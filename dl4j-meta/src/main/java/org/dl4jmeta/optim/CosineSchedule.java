package org.dl4jmeta.optim;

import java.util.Objects;
import org.nd4j.linalg.schedule.ISchedule;
import org.nd4j.shade.jackson.annotation.JsonCreator;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * Cosine annealing of a learning rate (Loshchilov and Hutter 2017, SGDR, eq. 5, without restarts), MAML++'s outer
 * schedule (Antoniou, Edwards, Storkey 2019, section 4 "CA"; their code's {@code CosineAnnealingLR} from the meta
 * learning rate to {@code min_learning_rate}): at 0-based iteration t,
 * lr(t) = min + (initial - min) (1 + cos(pi min(t, T) / T)) / 2, so lr(0) = initial and lr(t) = min from t = T on.
 *
 * <p>An ND4J {@link ISchedule} for an updater's learning rate, e.g. {@code new Adam(new CosineSchedule(1e-3, 1e-5,
 * 5000))}. It is a pure function of the iteration the trainer passes to the updater, so a resumed run (whose
 * checkpoint holds the iteration and this schedule in the updater's configuration) continues at the same position.
 * Immutable; serialised by ND4J's updater JSON (its {@code @class} and the three fields).
 */
public final class CosineSchedule implements ISchedule {

    private final double initialValue;
    private final double minValue;
    private final int period;

    /**
     * @param initialValue the rate at iteration 0, &gt; 0 and finite
     * @param minValue the rate from iteration {@code period} on, in [0, initialValue]
     * @param period T, the iterations over which the rate falls, &gt;= 1
     * @throws IllegalArgumentException naming a bad value
     */
    @JsonCreator
    public CosineSchedule(@JsonProperty("initialValue") double initialValue, @JsonProperty("minValue") double minValue,
                          @JsonProperty("period") int period) {
        if (!(initialValue > 0) || Double.isInfinite(initialValue)) {
            throw new IllegalArgumentException("cosine schedule's initial value must be > 0 and finite, got "
                    + initialValue);
        }
        if (!(minValue >= 0) || minValue > initialValue) {
            throw new IllegalArgumentException("cosine schedule's minimum must be in [0, " + initialValue + "], got "
                    + minValue);
        }
        if (period < 1) {
            throw new IllegalArgumentException("cosine schedule's period must be >= 1 iteration, got " + period);
        }
        this.initialValue = initialValue;
        this.minValue = minValue;
        this.period = period;
    }

    /**
     * @param iteration the 0-based iteration
     * @param epoch unused
     * @return the rate at that iteration
     */
    @Override
    public double valueAt(int iteration, int epoch) {
        double t = Math.min(Math.max(iteration, 0), period);
        return minValue + (initialValue - minValue) * (1 + Math.cos(Math.PI * t / period)) / 2;
    }

    @Override
    public ISchedule clone() {
        return new CosineSchedule(initialValue, minValue, period);
    }

    /** @return the rate at iteration 0 */
    @JsonProperty("initialValue")
    public double initialValue() {
        return initialValue;
    }

    /** @return the rate from iteration {@link #period()} on */
    @JsonProperty("minValue")
    public double minValue() {
        return minValue;
    }

    /** @return T, the iterations over which the rate falls */
    @JsonProperty("period")
    public int period() {
        return period;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CosineSchedule c && Double.compare(initialValue, c.initialValue) == 0
                && Double.compare(minValue, c.minValue) == 0 && period == c.period;
    }

    @Override
    public int hashCode() {
        return Objects.hash(initialValue, minValue, period);
    }

    @Override
    public String toString() {
        return "CosineSchedule(" + initialValue + " -> " + minValue + " over " + period + " iterations)";
    }
}
