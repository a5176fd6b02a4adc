package org.dl4jmeta.experiments;

import java.util.Objects;

/**
 * Configuration of the BI-MAML experiment (Xu, Chen, Karbasi 2021, "Meta Learning in the Continuous Time Limit",
 * AISTATS, BI-MAML against MAML on synthetic linear regression and binary classification).
 *
 * <p>Both learners use one inner step of size alpha (support = query = the task's n samples) and plain gradient
 * descent with step beta. The paper's beta = 0.05 is read as the step on the sum of the M task losses
 * ({@link Objective#SUM}): the library's trainer averages the meta-gradients, so the SGD rate is beta * M. (With the
 * average, 25 steps of 0.05 cannot leave the starting region: every step shrinks the gradient by at most
 * 1 - 0.05 lambda_max, about 0.93 here, whereas the paper reports reaching small gradients in about 25 steps.)
 * {@link Objective#MEAN} applies beta to the average instead.
 *
 * @param regression the linear-regression task family (squared error)
 * @param classification the binary-classification family (2-way softmax cross-entropy of a linear model, the
 *     logistic-regression analogue of the paper's SVM-style tasks: the library has no hinge loss)
 * @param innerStepSize alpha, &gt; 0
 * @param outerStepSize beta, &gt; 0
 * @param objective whether beta is the step on the sum or on the mean of the task losses
 * @param epsilon0 BI-MAML ends phase 1 (gradient descent on the average task loss f) once ||grad f|| &lt; epsilon0,
 *     &gt; 0
 * @param target the gradient-norm target ||grad F|| &lt;= target that ends both runs, &gt; 0
 * @param maxIterations iteration budget of each run, &gt;= 1
 */
public record BiMamlExperimentConfig(TaskFamily regression, TaskFamily classification, double innerStepSize,
                                     double outerStepSize, Objective objective, double epsilon0, double target,
                                     int maxIterations) {

    /** What beta is the step on. */
    public enum Objective {
        /** F = sum_i F_i (the trainer's SGD rate is beta * M) */
        SUM,
        /** F = (1/M) sum_i F_i (the trainer's SGD rate is beta) */
        MEAN
    }

    /**
     * A family of M synthetic tasks: w_bar ~ N(0, I_d) signal / sqrt(d); task i has w_i = w_bar + N(0, I_d) spread /
     * sqrt(d) and n inputs x ~ N(0, I_d); regression targets y = x'w_i + noise N(0, 1); classification labels
     * 1[x'w_i + noise N(0, 1) &gt; 0].
     *
     * @param tasks M, &gt;= 1
     * @param dimension d, &gt;= 1
     * @param samples n per task, &gt;= 1
     * @param noise the noise standard deviation sigma, &gt;= 0
     * @param signal the expected norm of w_bar, &gt;= 0
     * @param spread the expected distance of w_i from w_bar, &gt;= 0
     */
    public record TaskFamily(int tasks, int dimension, int samples, double noise, double signal, double spread) {

        /**
         * @throws IllegalArgumentException naming the first bad value
         */
        public TaskFamily {
            if (tasks < 1) {
                throw new IllegalArgumentException("tasks M must be >= 1, got " + tasks);
            }
            if (dimension < 1) {
                throw new IllegalArgumentException("dimension d must be >= 1, got " + dimension);
            }
            if (samples < 1) {
                throw new IllegalArgumentException("samples n must be >= 1, got " + samples);
            }
            requireNonNegative("noise", noise);
            requireNonNegative("signal", signal);
            requireNonNegative("spread", spread);
        }
    }

    /**
     * @throws IllegalArgumentException naming the first bad value
     */
    public BiMamlExperimentConfig {
        Objects.requireNonNull(regression, "regression");
        Objects.requireNonNull(classification, "classification");
        Objects.requireNonNull(objective, "objective");
        requirePositive("innerStepSize alpha", innerStepSize);
        requirePositive("outerStepSize beta", outerStepSize);
        requirePositive("epsilon0", epsilon0);
        requirePositive("target", target);
        if (maxIterations < 1) {
            throw new IllegalArgumentException("maxIterations must be >= 1, got " + maxIterations);
        }
    }

    private static void requirePositive(String name, double v) {
        if (!(v > 0) || Double.isInfinite(v)) {
            throw new IllegalArgumentException(name + " must be > 0 and finite, got " + v);
        }
    }

    private static void requireNonNegative(String name, double v) {
        if (!(v >= 0) || Double.isInfinite(v)) {
            throw new IllegalArgumentException(name + " must be >= 0 and finite, got " + v);
        }
    }

    /**
     * @return the paper's sizes: regression M = 10, d = 20, n = 100, sigma = 1; classification M = 50, d = 20,
     *     n = 300, sigma = 1; alpha = 0.3, beta = 0.05 on the sum; our choices epsilon0 = 0.01, target 1e-3, 300
     *     iterations at most
     */
    public static BiMamlExperimentConfig defaults() {
        return new BiMamlExperimentConfig(new TaskFamily(10, 20, 100, 1.0, 2.0, 1.0),
                new TaskFamily(50, 20, 300, 1.0, 2.0, 1.0), 0.3, 0.05, Objective.SUM, 0.01, 1e-3, 300);
    }

    /**
     * @param tasks M of the family trained on
     * @return the SGD rate on the trainer's averaged meta-gradient
     */
    public double sgdRate(int tasks) {
        return objective == Objective.SUM ? outerStepSize * tasks : outerStepSize;
    }
}
