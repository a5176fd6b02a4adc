package org.dl4jmeta.check;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.dl4jmeta.algorithm.MetaLearner;
import org.dl4jmeta.graph.LossGradGraph;
import org.dl4jmeta.model.ParamSet;
import org.dl4jmeta.task.Episode;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Checks a meta-learner's gradient against central finite differences along random unit directions d:
 * numeric = (F(x + eps d) - F(x - eps d)) / (2 eps), analytic = &lt;g, d&gt;, relative error
 * |analytic - numeric| / (|analytic| + |numeric|), counted as 0 when the absolute difference is below a floor
 * (DL4J's GradCheckUtil criterion).
 *
 * <p>What is differentiated is said by the caller ({@link Objective}): for second-order MAML (and any learner whose
 * meta-gradient is exact) x = theta and F(theta) = L_query(phi_K(theta)), the full meta-objective, so the check
 * covers the unrolled inner loop and every layer's explicit backward pass. For first-order MAML the meta-gradient
 * is by definition grad L_query at the adapted phi_K, so x = phi_K and F = L_query. Double precision only: float32
 * finite differences cannot resolve 1e-6.
 */
public final class MetaGradientCheck {

    private MetaGradientCheck() {
    }

    /**
     * One direction's comparison.
     *
     * @param analytic the directional derivative from the meta-gradient
     * @param numeric the central finite difference
     * @param relativeError their relative error
     */
    public record Direction(double analytic, double numeric, double relativeError) {
    }

    /**
     * The check's outcome.
     *
     * @param directions per-direction comparisons
     * @param maxRelativeError the largest relative error
     */
    public record Result(List<Direction> directions, double maxRelativeError) {
    }

    /** What a learner's meta-gradient is the gradient of, and so what the check differentiates numerically. */
    public enum Objective {
        /** F(theta) = L_query(adapt(theta)), at theta: second-order MAML, or any learner with an exact gradient */
        META_OBJECTIVE,
        /**
         * L_query at phi_K = adapt(theta), at phi_K, on the network parameters: first-order MAML's gradient by
         * definition
         */
        QUERY_LOSS_AFTER_ADAPTATION
    }

    /**
     * Runs the check.
     *
     * @param learner the learner whose {@code metaGradient} and {@code adapt} are checked
     * @param objective what its meta-gradient is the gradient of
     * @param theta meta-parameters in DOUBLE
     * @param episode a DOUBLE episode
     * @param directions number of random unit directions, &gt;= 1
     * @param eps finite-difference step, &gt; 0 (1e-6 is a good choice in double)
     * @param absFloor absolute differences below this count as agreement (e.g. 1e-10)
     * @param seed seed of the directions
     * @return the comparisons
     * @throws IllegalArgumentException for float32 inputs or bad counts
     */
    public static Result check(MetaLearner learner, Objective objective, ParamSet theta, Episode episode,
                               int directions, double eps, double absFloor, long seed) {
        if (theta.dataType() != DataType.DOUBLE || episode.dataType() != DataType.DOUBLE) {
            throw new IllegalArgumentException("gradient checks need DOUBLE parameters and episodes, got theta "
                    + theta.dataType() + " and episode " + episode.dataType());
        }
        if (directions < 1) {
            throw new IllegalArgumentException("directions must be >= 1, got " + directions);
        }
        if (!(eps > 0)) {
            throw new IllegalArgumentException("eps must be > 0, got " + eps);
        }
        java.util.Objects.requireNonNull(objective, "objective");
        ParamSet g = learner.metaGradient(theta, episode).gradient();
        LossGradGraph query = new LossGradGraph(learner.network(), episode.queryX().size(0), DataType.DOUBLE);
        ParamSet x;
        java.util.function.Function<ParamSet, Double> f;
        if (objective == Objective.QUERY_LOSS_AFTER_ADAPTATION) {
            x = learner.adapt(theta, episode);
            g = g.select(learner.network().paramNames());
            f = p -> query.run(p, episode.queryX(), episode.queryY(), false).loss();
        } else {
            x = theta;
            f = p -> query.run(learner.adapt(p, episode), episode.queryX(), episode.queryY(), false).loss();
        }
        SplittableRandom rng = new SplittableRandom(seed);
        List<Direction> out = new ArrayList<>();
        double worst = 0;
        for (int r = 0; r < directions; r++) {
            ParamSet d = x.withFlat(unitVector(rng, x.length()));
            double analytic = g.dot(d);
            double fp = f.apply(x.axpy(eps, d));
            double fm = f.apply(x.axpy(-eps, d));
            double numeric = (fp - fm) / (2 * eps);
            double diff = Math.abs(analytic - numeric);
            double rel = diff < absFloor ? 0 : diff / (Math.abs(analytic) + Math.abs(numeric));
            worst = Math.max(worst, rel);
            out.add(new Direction(analytic, numeric, rel));
        }
        return new Result(List.copyOf(out), worst);
    }

    /**
     * Compares a gradient with a reference gradient along random unit directions: the same relative-error
     * criterion as {@link #check}, with the reference's directional derivative in place of the finite difference.
     * Used where the reference is exact by other means (iMAML's dense implicit gradient, MAML's exact
     * second-order gradient for HF-MAML).
     *
     * @param gradient the gradient under test
     * @param reference the reference gradient, compatible with {@code gradient}
     * @param directions number of random unit directions, &gt;= 1
     * @param absFloor absolute differences below this count as agreement
     * @param seed seed of the directions
     * @return per-direction comparisons (numeric = the reference's value)
     */
    public static Result compare(ParamSet gradient, ParamSet reference, int directions, double absFloor, long seed) {
        gradient.requireCompatible(reference, "reference gradient");
        if (directions < 1) {
            throw new IllegalArgumentException("directions must be >= 1, got " + directions);
        }
        SplittableRandom rng = new SplittableRandom(seed);
        List<Direction> out = new ArrayList<>();
        double worst = 0;
        for (int r = 0; r < directions; r++) {
            ParamSet d = gradient.withFlat(unitVector(rng, gradient.length()));
            double a = gradient.dot(d);
            double n = reference.dot(d);
            double diff = Math.abs(a - n);
            double rel = diff < absFloor ? 0 : diff / (Math.abs(a) + Math.abs(n));
            worst = Math.max(worst, rel);
            out.add(new Direction(a, n, rel));
        }
        return new Result(List.copyOf(out), worst);
    }

    private static INDArray unitVector(SplittableRandom rng, long n) {
        double[] v = new double[(int) n];
        double s = 0;
        for (int i = 0; i < v.length; i++) {
            v[i] = rng.nextGaussian();
            s += v[i] * v[i];
        }
        double inv = 1 / Math.sqrt(s);
        for (int i = 0; i < v.length; i++) {
            v[i] *= inv;
        }
        return Nd4j.createFromArray(v);
    }
}
