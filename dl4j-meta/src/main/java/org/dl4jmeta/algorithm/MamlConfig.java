package org.dl4jmeta.algorithm;

import java.util.List;
import org.dl4jmeta.update.InnerUpdate;
import org.nd4j.shade.jackson.annotation.JsonCreator;
import org.nd4j.shade.jackson.annotation.JsonInclude;

/**
 * Configuration of MAML (Finn, Abbeel, Levine 2017) and first-order MAML.
 *
 * <p>Inner loop: phi_0 = theta, phi_{k+1} = phi_k - alpha_k grad L_support(phi_k), k = 0..K-1. Meta-objective:
 * L_query(phi_K). Second order differentiates through every step; first order treats each grad L_support as a
 * constant, so the meta-gradient is grad L_query(phi_K). With learned step sizes (Meta-SGD, Li et al. 2017;
 * per parameter tensor and per step as in MAML++, Antoniou et al. 2019) every alpha_k of every tensor is a
 * meta-parameter initialised to {@code innerStepSize}. Optionally the inner loop runs on iMAML's regularised
 * objective L_support(phi) + lambda/2 ||phi - theta||^2 ({@code proximalLambda}) and adapts only some tensors
 * ({@code adaptedTensors}, e.g. ANIL's head). The fields describe the inner update {@link #innerUpdate()}; a model
 * file stores them, and files written before the optional fields existed read as before (all absent).
 * {@code secondOrderMemory} chooses how the second-order meta-gradient is computed ({@link SecondOrderMemory}), not
 * what it is.
 *
 * <p>MAML++'s options (Antoniou, Edwards, Storkey 2019, "How to train your MAML", section 4), each on its own:
 * learned per-step step sizes (LSLR: {@code learnInnerStepSizes}; per tensor, as in their code's per-parameter
 * rates), per-step batch-norm weights and biases (BNWB: {@code perStepBatchNorm}), the multi-step loss with annealed
 * per-step weights (MSL: {@code multiStepLossEpochs}, {@link #stepLossWeights}) and derivative-order annealing (DA:
 * {@code firstOrderIterations}); {@link #mamlPlusPlus} turns all on with the paper's values. MSL and DA depend on the
 * number of completed outer iterations, which the learner keeps as its {@link Maml.Progress} state (checkpointed),
 * not here.
 *
 * <p>BNWB: every tensor whose name ends in {@code /gamma} or {@code /beta} ({@link #BATCH_NORM_SUFFIXES}) stops
 * adapting in the inner loop (as in MAML++'s default, {@code enable_inner_loop_optimizable_bn_params=false}) and gets
 * K sets: the forward pass at phi_k (support step k, and the query loss at phi_k) uses set min(k, K-1); set 0 is the
 * network's own tensor, sets 1..K-1 are meta-parameters {@code bn/step<j>/<tensor>} in theta, initialised to the
 * network's initial values, meta-learned by the outer optimiser and saved in model files and checkpoints with
 * theta. Adaptation at test time beyond K steps keeps set K-1. The query after the last step uses set K-1 like their
 * code; their intermediate multi-step query losses use the set of the step just taken, here the set of the next
 * step. Per-step running statistics (BNRS) are not implemented: batch norm here always normalises with the batch's
 * own statistics (transductive, as in Finn et al.'s MAML).
 *
 * @param innerSteps K, &gt;= 1
 * @param innerStepSize alpha, &gt; 0 and finite
 * @param firstOrder whether to drop second-order terms (first-order MAML)
 * @param learnInnerStepSizes whether alpha is learned per tensor and per step
 * @param proximalLambda lambda of the proximal term, &gt; 0 and finite, or null for none
 * @param adaptedTensors the names of the tensors that adapt (at least one), or null for all
 * @param perStepBatchNorm BNWB: true for one batch-norm set per inner step; null or false for none
 * @param multiStepLossEpochs MSL: the epochs E over which the per-step weights anneal, then the last step's loss
 *     alone; null or 0 for the last step's loss throughout
 * @param epochIterations iterations per epoch of the MSL schedule, &gt;= 1 (500 when MSL is on and this is null;
 *     dropped when MSL is off)
 * @param firstOrderIterations DA: the first this many outer iterations are first order, then second order; null or 0
 *     for none
 * @param secondOrderMemory how second order keeps what its backward pass needs, or null for
 *     {@link SecondOrderMemory#UNROLLED}; ignored by first order; recompute only without BNWB and MSL
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record MamlConfig(int innerSteps, double innerStepSize, boolean firstOrder, boolean learnInnerStepSizes,
                         Double proximalLambda, List<String> adaptedTensors, Boolean perStepBatchNorm,
                         Integer multiStepLossEpochs, Integer epochIterations, Integer firstOrderIterations,
                         SecondOrderMemory secondOrderMemory) {

    /** MAML++'s iterations per epoch ({@code total_iter_per_epoch} of Antoniou et al.'s released configurations). */
    public static final int MAML_PLUS_PLUS_EPOCH_ITERATIONS = 500;

    /** The tensor-name endings of batch norm's weight and bias ({@code BatchNorm}'s {@code gamma} and {@code beta}). */
    public static final List<String> BATCH_NORM_SUFFIXES = List.of("/gamma", "/beta");

    /**
     * @throws IllegalArgumentException if innerSteps &lt; 1, innerStepSize is not a positive finite number,
     *     proximalLambda is given but not a positive finite number, adaptedTensors is empty, names a tensor twice or
     *     names a batch-norm tensor while perStepBatchNorm is on, a MAML++ count is negative, epochIterations is
     *     below 1, or firstOrderIterations is set on a first-order configuration
     */
    @JsonCreator
    public MamlConfig {
        if (innerSteps < 1) {
            throw new IllegalArgumentException("innerSteps K must be >= 1, got " + innerSteps);
        }
        if (!(innerStepSize > 0) || Double.isInfinite(innerStepSize)) {
            throw new IllegalArgumentException("innerStepSize alpha must be > 0 and finite, got " + innerStepSize);
        }
        if (adaptedTensors != null) {
            adaptedTensors = List.copyOf(adaptedTensors);
        }
        // false and 0 mean "off" and are stored as absent, so a configuration without the options is the same
        // record (and the same model-file JSON) as one written before they existed
        if (Boolean.FALSE.equals(perStepBatchNorm)) {
            perStepBatchNorm = null;
        }
        multiStepLossEpochs = offIfZero("multiStepLossEpochs", multiStepLossEpochs);
        firstOrderIterations = offIfZero("firstOrderIterations", firstOrderIterations);
        if (epochIterations != null && epochIterations < 1) {
            throw new IllegalArgumentException("epochIterations (iterations per epoch of the multi-step loss "
                    + "schedule) must be >= 1, got " + epochIterations);
        }
        if (multiStepLossEpochs == null) {
            epochIterations = null;
        } else if (epochIterations == null) {
            epochIterations = MAML_PLUS_PLUS_EPOCH_ITERATIONS;
        }
        if (firstOrder && firstOrderIterations != null) {
            throw new IllegalArgumentException("firstOrderIterations " + firstOrderIterations + " anneals first "
                    + "order into second order, but firstOrder is set (first order throughout); set one of them");
        }
        if (perStepBatchNorm != null && adaptedTensors != null) {
            for (String t : adaptedTensors) {
                if (isBatchNorm(t)) {
                    throw new IllegalArgumentException("adaptedTensors names batch-norm tensor '" + t + "', but "
                            + "perStepBatchNorm keeps batch norm out of the inner loop (one meta-learned set per step)");
                }
            }
        }
        if (secondOrderMemory == SecondOrderMemory.RECOMPUTE && (perStepBatchNorm != null
                || multiStepLossEpochs != null)) {
            throw new IllegalArgumentException("secondOrderMemory recompute checkpoints plain MAML's inner loop; it "
                    + "does not support MAML++'s per-step batch norm or multi-step loss: use unrolled with them");
        }
        innerUpdate(innerStepSize, learnInnerStepSizes, proximalLambda, adaptedTensors);
    }

    private static Integer offIfZero(String name, Integer v) {
        if (v != null && v < 0) {
            throw new IllegalArgumentException(name + " must be >= 0 (0: off), got " + v);
        }
        return v == null || v == 0 ? null : v;
    }

    /**
     * @param tensor a network parameter name
     * @return whether it is a batch-norm weight or bias by name ({@link #BATCH_NORM_SUFFIXES})
     */
    public static boolean isBatchNorm(String tensor) {
        return BATCH_NORM_SUFFIXES.stream().anyMatch(tensor::endsWith);
    }

    /**
     * MAML with the inner-update fields, none of MAML++'s options and the unrolled second-order graph (the six
     * fields of model files before those options existed).
     *
     * @param innerSteps K, &gt;= 1
     * @param innerStepSize alpha, &gt; 0 and finite
     * @param firstOrder whether to drop second-order terms
     * @param learnInnerStepSizes whether alpha is learned per tensor and per step
     * @param proximalLambda lambda of the proximal term, or null
     * @param adaptedTensors the tensors that adapt, or null for all
     * @throws IllegalArgumentException as the canonical constructor
     */
    public MamlConfig(int innerSteps, double innerStepSize, boolean firstOrder, boolean learnInnerStepSizes,
                      Double proximalLambda, List<String> adaptedTensors) {
        this(innerSteps, innerStepSize, firstOrder, learnInnerStepSizes, proximalLambda, adaptedTensors, null, null,
                null, null, null);
    }

    /**
     * MAML with every tensor adapting on the support loss alone (the four fields of model files before inner
     * updates were configurable).
     *
     * @param innerSteps K, &gt;= 1
     * @param innerStepSize alpha, &gt; 0 and finite
     * @param firstOrder whether to drop second-order terms
     * @param learnInnerStepSizes whether alpha is learned per tensor and per step
     * @throws IllegalArgumentException as the canonical constructor
     */
    public MamlConfig(int innerSteps, double innerStepSize, boolean firstOrder, boolean learnInnerStepSizes) {
        this(innerSteps, innerStepSize, firstOrder, learnInnerStepSizes, null, null);
    }

    /**
     * @param mode how second order keeps what its backward pass needs
     * @return this configuration with that mode
     */
    public MamlConfig withSecondOrderMemory(SecondOrderMemory mode) {
        return new MamlConfig(innerSteps, innerStepSize, firstOrder, learnInnerStepSizes, proximalLambda,
                adaptedTensors, perStepBatchNorm, multiStepLossEpochs, epochIterations, firstOrderIterations,
                java.util.Objects.requireNonNull(mode, "mode"));
    }

    /** @return the second-order memory mode, {@link SecondOrderMemory#UNROLLED} when none was set */
    public SecondOrderMemory memoryMode() {
        return secondOrderMemory == null ? SecondOrderMemory.UNROLLED : secondOrderMemory;
    }

    /**
     * @param innerSteps K
     * @param innerStepSize alpha
     * @return exact second-order MAML with a fixed step size
     */
    public static MamlConfig secondOrder(int innerSteps, double innerStepSize) {
        return new MamlConfig(innerSteps, innerStepSize, false, false);
    }

    /**
     * @param innerSteps K
     * @param innerStepSize alpha
     * @return first-order MAML with a fixed step size
     */
    public static MamlConfig firstOrder(int innerSteps, double innerStepSize) {
        return new MamlConfig(innerSteps, innerStepSize, true, false);
    }

    /** @return this configuration with learned per-tensor, per-step step sizes */
    public MamlConfig withLearnedStepSizes() {
        return new MamlConfig(innerSteps, innerStepSize, firstOrder, true, proximalLambda, adaptedTensors,
                perStepBatchNorm, multiStepLossEpochs, epochIterations, firstOrderIterations, secondOrderMemory);
    }

    /**
     * @param lambda the proximal strength, &gt; 0 and finite
     * @return this configuration with the inner loop on L_support(phi) + lambda/2 ||phi - theta||^2
     * @throws IllegalArgumentException naming a bad lambda
     */
    public MamlConfig withProximal(double lambda) {
        return new MamlConfig(innerSteps, innerStepSize, firstOrder, learnInnerStepSizes, lambda, adaptedTensors,
                perStepBatchNorm, multiStepLossEpochs, epochIterations, firstOrderIterations, secondOrderMemory);
    }

    /**
     * @param tensors the names of the tensors that adapt; the others keep phi = theta
     * @return this configuration adapting only those tensors
     * @throws IllegalArgumentException if none is named or one twice
     */
    public MamlConfig adapting(List<String> tensors) {
        return new MamlConfig(innerSteps, innerStepSize, firstOrder, learnInnerStepSizes, proximalLambda, tensors,
                perStepBatchNorm, multiStepLossEpochs, epochIterations, firstOrderIterations, secondOrderMemory);
    }

    /**
     * @return this configuration with MAML++'s per-step batch-norm weights and biases (BNWB; Antoniou, Edwards,
     *     Storkey 2019, section 4): one meta-learned set of every batch-norm tensor per inner step, not adapted in the
     *     inner loop
     */
    public MamlConfig withPerStepBatchNorm() {
        return new MamlConfig(innerSteps, innerStepSize, firstOrder, learnInnerStepSizes, proximalLambda,
                adaptedTensors, true, multiStepLossEpochs, epochIterations, firstOrderIterations, secondOrderMemory);
    }

    /**
     * @param epochs E, the epochs over which the per-step weights anneal (MAML++: 10), &gt;= 1
     * @param iterationsPerEpoch iterations per epoch (MAML++: 500), &gt;= 1
     * @return this configuration with MAML++'s multi-step loss (MSL), see {@link #stepLossWeights}
     * @throws IllegalArgumentException naming a bad count
     */
    public MamlConfig withMultiStepLoss(int epochs, int iterationsPerEpoch) {
        if (epochs < 1) {
            throw new IllegalArgumentException("multi-step loss epochs must be >= 1, got " + epochs);
        }
        return new MamlConfig(innerSteps, innerStepSize, firstOrder, learnInnerStepSizes, proximalLambda,
                adaptedTensors, perStepBatchNorm, epochs, iterationsPerEpoch, firstOrderIterations,
                secondOrderMemory);
    }

    /**
     * @param iterations the number of first outer iterations that use first-order meta-gradients (MAML++'s
     *     derivative-order annealing, DA: 50 epochs of 500 iterations), &gt;= 1
     * @return this configuration, second order from iteration {@code iterations} (0-based) on
     * @throws IllegalArgumentException naming a bad count, or if this configuration is first order throughout
     */
    public MamlConfig withFirstOrderFor(int iterations) {
        if (iterations < 1) {
            throw new IllegalArgumentException("first-order iterations must be >= 1, got " + iterations);
        }
        return new MamlConfig(innerSteps, innerStepSize, firstOrder, learnInnerStepSizes, proximalLambda,
                adaptedTensors, perStepBatchNorm, multiStepLossEpochs, epochIterations, iterations,
                secondOrderMemory);
    }

    /**
     * All of MAML++'s options with the paper's values (Antoniou, Edwards, Storkey 2019, section 4; their released
     * Omniglot configurations): learned per-tensor per-step step sizes (LSLR) starting at {@code innerStepSize},
     * per-step batch-norm weights and biases (BNWB), the multi-step loss annealed over 10 epochs of 500 iterations
     * (MSL), and first order for the first 50 epochs (DA: 25,000 iterations). The paper uses 5 inner steps of 0.1;
     * the fifth option, cosine annealing of the outer learning rate (CA), belongs to the outer optimiser
     * ({@code org.dl4jmeta.optim.CosineSchedule}).
     *
     * @param innerSteps K (paper: 5)
     * @param innerStepSize the initial step size (paper: 0.1)
     * @return the configuration
     */
    public static MamlConfig mamlPlusPlus(int innerSteps, double innerStepSize) {
        return secondOrder(innerSteps, innerStepSize).withLearnedStepSizes().withPerStepBatchNorm()
                .withMultiStepLoss(10, MAML_PLUS_PLUS_EPOCH_ITERATIONS)
                .withFirstOrderFor(50 * MAML_PLUS_PLUS_EPOCH_ITERATIONS);
    }

    /**
     * MAML++'s annealed per-step weights of the multi-step loss (Antoniou, Edwards, Storkey 2019, section 4 "Multi-Step
     * Loss Optimization"; {@code get_per_step_loss_importance_vector} of their code): the meta-objective is
     * sum_{j=0}^{K-1} w_j L_query(phi_{j+1}); at epoch e = floor(iterations / epochIterations) with E =
     * multiStepLossEpochs, w_j = max(1/K - e/(K E), 0.03/K) for j &lt; K-1 and
     * w_{K-1} = min(1/K + e (K-1)/(K E), 1 - 0.03 (K-1)/K): uniform at the start, all but the last decaying to 0.03/K.
     * From epoch E on the objective is the last step's query loss alone, as in their code.
     *
     * @param iterations completed outer iterations, &gt;= 0
     * @return the K weights, or null when the objective is L_query(phi_K) alone (no multi-step loss, or after its
     *     epochs)
     * @throws IllegalArgumentException if iterations is negative
     */
    public double[] stepLossWeights(int iterations) {
        if (iterations < 0) {
            throw new IllegalArgumentException("iterations must be >= 0, got " + iterations);
        }
        if (multiStepLossEpochs == null) {
            return null;
        }
        int epoch = iterations / epochIterations;
        if (epoch >= multiStepLossEpochs) {
            return null;
        }
        int k = innerSteps;
        double decay = 1.0 / k / multiStepLossEpochs;
        double floor = 0.03 / k;
        double[] w = new double[k];
        for (int j = 0; j < k - 1; j++) {
            w[j] = Math.max(1.0 / k - epoch * decay, floor);
        }
        w[k - 1] = Math.min(1.0 / k + epoch * (k - 1) * decay, 1.0 - (k - 1) * floor);
        return w;
    }

    /**
     * @param iterations completed outer iterations, &gt;= 0
     * @return whether the meta-gradient of the next iteration is first order: always with {@code firstOrder},
     *     for iterations below {@code firstOrderIterations} with derivative-order annealing, never otherwise
     */
    public boolean firstOrderAt(int iterations) {
        return firstOrder || firstOrderIterations != null && iterations < firstOrderIterations;
    }

    /** @return whether the meta-gradient depends on the iteration (multi-step loss or derivative-order annealing) */
    public boolean scheduled() {
        return multiStepLossEpochs != null || firstOrderIterations != null;
    }

    /**
     * The inner update these fields describe: {@code sgd(innerStepSize)} or {@code learnedStepSizes(innerStepSize)},
     * then {@code withProximal(proximalLambda)} and {@code adapting(adaptedTensors)} where given.
     *
     * @return the update
     */
    public InnerUpdate innerUpdate() {
        return innerUpdate(innerStepSize, learnInnerStepSizes, proximalLambda, adaptedTensors);
    }

    private static InnerUpdate innerUpdate(double alpha, boolean learned, Double lambda, List<String> tensors) {
        InnerUpdate u = learned ? InnerUpdate.learnedStepSizes(alpha) : InnerUpdate.sgd(alpha);
        if (lambda != null) {
            u = u.withProximal(lambda);
        }
        return tensors == null ? u : u.adapting(tensors);
    }
}
