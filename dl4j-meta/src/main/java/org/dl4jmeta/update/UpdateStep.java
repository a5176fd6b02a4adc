package org.dl4jmeta.update;

import java.util.Objects;
import java.util.function.Function;

/**
 * What one inner step of one parameter tensor sees: phi_{k+1} = update(k, theta, phi_k, g_k, meta-parameters).
 *
 * @param step k, from 0
 * @param steps the number of inner steps the update was configured for (its meta-parameters were declared for
 *     that many; adaptation at test time may run more steps, k &gt;= steps)
 * @param tensor the parameter tensor's name, e.g. {@code conv1/W}
 * @param theta the tensor's meta-parameters theta (= phi_0)
 * @param phi the tensor's current value phi_k
 * @param gradient grad L_support(phi_k) of the tensor
 * @param parameters the update's own meta-parameters (those it declared in {@link InnerUpdate#metaParameters}),
 *     by name
 * @param <T> the tensor type of the {@link TensorMath} in use
 */
public record UpdateStep<T>(int step, int steps, String tensor, T theta, T phi, T gradient,
                            Function<String, T> parameters) {

    /**
     * The tensor name of a step applied to all tensors laid end to end, for updates that are
     * {@link InnerUpdate#sameForEveryTensor() the same for every tensor}.
     */
    public static final String ALL_TENSORS = "*";

    /**
     * @throws NullPointerException if a tensor or the name is null
     */
    public UpdateStep {
        Objects.requireNonNull(tensor, "tensor");
        Objects.requireNonNull(theta, "theta");
        Objects.requireNonNull(phi, "phi");
        Objects.requireNonNull(gradient, "gradient");
        Objects.requireNonNull(parameters, "parameters");
    }

    /**
     * @param g a replacement gradient (e.g. the gradient of a regularised objective)
     * @return this step with gradient {@code g}
     */
    public UpdateStep<T> withGradient(T g) {
        return new UpdateStep<>(step, steps, tensor, theta, phi, g, parameters);
    }
}
