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
 * @param innerSteps K, &gt;= 1
 * @param innerStepSize alpha, &gt; 0 and finite
 * @param firstOrder whether to drop second-order terms (first-order MAML)
 * @param learnInnerStepSizes whether alpha is learned per tensor and per step
 * @param proximalLambda lambda of the proximal term, &gt; 0 and finite, or null for none
 * @param adaptedTensors the names of the tensors that adapt (at least one), or null for all
 * @param secondOrderMemory how second order keeps what its backward pass needs, or null for
 *     {@link SecondOrderMemory#UNROLLED}; ignored by first order
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record MamlConfig(int innerSteps, double innerStepSize, boolean firstOrder, boolean learnInnerStepSizes,
                         Double proximalLambda, List<String> adaptedTensors, SecondOrderMemory secondOrderMemory) {

    /**
     * @throws IllegalArgumentException if innerSteps &lt; 1, innerStepSize is not a positive finite number,
     *     proximalLambda is given but not a positive finite number, or adaptedTensors is empty or names a tensor
     *     twice
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
        innerUpdate(innerStepSize, learnInnerStepSizes, proximalLambda, adaptedTensors);
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
     * MAML with the six fields of model files before {@code secondOrderMemory} existed (unrolled).
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
        this(innerSteps, innerStepSize, firstOrder, learnInnerStepSizes, proximalLambda, adaptedTensors, null);
    }

    /**
     * @param mode how second order keeps what its backward pass needs
     * @return this configuration with that mode
     */
    public MamlConfig withSecondOrderMemory(SecondOrderMemory mode) {
        return new MamlConfig(innerSteps, innerStepSize, firstOrder, learnInnerStepSizes, proximalLambda,
                adaptedTensors, java.util.Objects.requireNonNull(mode, "mode"));
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
                secondOrderMemory);
    }

    /**
     * @param lambda the proximal strength, &gt; 0 and finite
     * @return this configuration with the inner loop on L_support(phi) + lambda/2 ||phi - theta||^2
     * @throws IllegalArgumentException naming a bad lambda
     */
    public MamlConfig withProximal(double lambda) {
        return new MamlConfig(innerSteps, innerStepSize, firstOrder, learnInnerStepSizes, lambda, adaptedTensors,
                secondOrderMemory);
    }

    /**
     * @param tensors the names of the tensors that adapt; the others keep phi = theta
     * @return this configuration adapting only those tensors
     * @throws IllegalArgumentException if none is named or one twice
     */
    public MamlConfig adapting(List<String> tensors) {
        return new MamlConfig(innerSteps, innerStepSize, firstOrder, learnInnerStepSizes, proximalLambda, tensors,
                secondOrderMemory);
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
