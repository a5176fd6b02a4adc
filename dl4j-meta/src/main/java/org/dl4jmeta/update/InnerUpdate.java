package org.dl4jmeta.update;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One inner step of gradient-based meta-learning, phi_{k+1} = U(k, theta, phi_k, grad L_support(phi_k), p) per
 * parameter tensor, p the update's own meta-parameters. Written once in {@link TensorMath}, it runs as SameDiff ops
 * in the unrolled MAML graph (so autodiff gives the exact second-order meta-gradient through it) and on ND4J arrays
 * in the executed inner loop (first-order MAML, Reptile, HF-MAML, adaptation at test time).
 *
 * <p>Built-ins, composed as small pieces (the optax idea: transforms chained, each with one job):
 * <ul>
 *   <li>{@link #sgd}: phi - alpha g (Finn et al. 2017);</li>
 *   <li>{@link #learnedStepSizes}: phi - alpha_{k,t} g with one learned alpha per tensor t and step k, initialised to
 *       alpha (Li et al. 2017, Meta-SGD, per tensor; per step as in MAML++, Antoniou et al. 2019);</li>
 *   <li>{@link #withProximal}: the step of the wrapped update on the regularised inner objective
 *       L_s(phi) + lambda/2 ||phi - theta||^2, i.e. with gradient g + lambda (phi - theta) (iMAML's inner problem,
 *       Rajeswaran et al. 2019);</li>
 *   <li>{@link #adapting}: only the named tensors adapt, the others keep phi = theta (ANIL, Raghu et al. 2020:
 *       the head only);</li>
 *   <li>{@link ElementwiseStepSizes}: phi - alpha_t (element-wise) g with one learned alpha per parameter element
 *       (Meta-SGD, Li et al. 2017).</li>
 * </ul>
 * E.g. {@code InnerUpdate.sgd(0.1).withProximal(2.0).adapting(List.of("head/W", "head/b"))}. A new update implements {@link #apply}, declares its meta-parameters and, for first-order
 * MAML, their first-order gradient.
 *
 * <p>Implementations are immutable and thread-safe; records compare by value.
 */
public interface InnerUpdate {

    /**
     * The new value of one adapting tensor after step k.
     *
     * @param math the arithmetic to write the step in
     * @param s the step's inputs
     * @param <T> the tensor type
     * @return phi_{k+1} of tensor {@code s.tensor()}
     */
    <T> T apply(TensorMath<T> math, UpdateStep<T> s);

    /**
     * The meta-parameters this update adds to theta, in theta's order.
     *
     * @param adapted the shapes of the tensors that adapt, by name, in network order
     * @param steps the number of inner steps
     * @return the meta-parameters (empty by default)
     */
    default List<MetaParameter> metaParameters(Map<String, long[]> adapted, int steps) {
        return List.of();
    }

    /**
     * First-order MAML's gradient of the meta-parameters that one step uses: d &lt;v, phi_{k+1}&gt; / dp with theta,
     * phi_k and the gradient held constant, v = grad L_query(phi_K) of the tensor (for phi - alpha g:
     * -&lt;v, g&gt;). The executed form of the derivative of {@link #apply}; tests compare it with autodiff of the
     * SameDiff form.
     *
     * @param s the step's inputs
     * @param v the query gradient at phi_K of tensor {@code s.tensor()}
     * @return per meta-parameter used, its gradient contribution in the parameter's shape (empty by default: an
     *     update with meta-parameters must override this to be used by first-order MAML)
     */
    default Map<String, INDArray> firstOrderGradient(UpdateStep<INDArray> s, INDArray v) {
        return Map.of();
    }

    /**
     * Whether {@link #apply} is one element-wise function of theta, phi and the gradient, the same for every tensor:
     * it reads neither the tensor's name nor its shape nor any meta-parameter, and every tensor adapts (plain SGD,
     * and its proximal form). The executed inner loop then applies it once to all tensors laid end to end (tensor
     * name {@link UpdateStep#ALL_TENSORS}): the same values, in two ops per step instead of two per tensor. False by
     * default.
     *
     * @return whether the update may be applied to all tensors at once
     */
    default boolean sameForEveryTensor() {
        return false;
    }

    /**
     * @param tensor a network parameter name
     * @return whether that tensor adapts (true by default); tensors that do not keep phi = theta
     */
    default boolean adapts(String tensor) {
        return true;
    }

    /**
     * Checks the update against a network's parameter names before use.
     *
     * @param tensors the network's parameter names
     * @throws IllegalArgumentException naming a tensor the update refers to that the network lacks
     */
    default void requireTensors(Collection<String> tensors) {
    }

    /**
     * @param alpha the step size, &gt; 0 and finite
     * @return plain SGD, phi - alpha g
     * @throws IllegalArgumentException naming a bad alpha
     */
    static InnerUpdate sgd(double alpha) {
        return new Sgd(alpha);
    }

    /**
     * @param initial the value every learned step size starts from, &gt; 0 and finite
     * @return SGD with one learned step size per tensor and step, phi - alpha_{k,t} g
     * @throws IllegalArgumentException naming a bad initial value
     */
    static InnerUpdate learnedStepSizes(double initial) {
        return new LearnedStepSizes(initial);
    }

    /**
     * @param lambda the proximal strength, &gt; 0 and finite
     * @return this update applied to the gradient of L_s(phi) + lambda/2 ||phi - theta||^2, g + lambda (phi - theta)
     * @throws IllegalArgumentException naming a bad lambda
     */
    default InnerUpdate withProximal(double lambda) {
        return new Proximal(this, lambda);
    }

    /**
     * @param tensors the names of the tensors that adapt (at least one)
     * @return this update on those tensors only; the others keep phi = theta
     * @throws IllegalArgumentException if the list is empty or names a tensor twice
     */
    default InnerUpdate adapting(Collection<String> tensors) {
        return new Masked(this, List.copyOf(tensors));
    }
}
