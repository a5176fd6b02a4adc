package org.dl4jmeta.dl4j;

import java.util.Map;
import java.util.Objects;
import org.dl4jmeta.model.Network;
import org.dl4jmeta.model.ParamSet;

/**
 * A DL4J network turned into a meta-learnable {@link Network}, with its trained parameters and batch-norm running
 * statistics when it came from a model (a {@code ModelSerializer} zip, a {@code MultiLayerNetwork} or a
 * {@code ComputationGraph}) rather than a configuration.
 *
 * @param network the network (a stack for a {@code MultiLayerConfiguration}, a graph for a
 *     {@code ComputationGraphConfiguration})
 * @param parameters the DL4J model's parameters in the network's layout, or null for a configuration alone (then
 *     {@code network.initialise(seed, dataType)} gives seeded ones)
 * @param statistics each batch-norm layer's running mean and variance (empty for a configuration alone): pass them
 *     as given statistics to predict as DL4J's {@code output()} does
 * @param flatInput whether the DL4J network reads its images flattened, {@code [n, c*h*w]} (it was built with
 *     {@code InputType.convolutionalFlat}); the network here always reads {@code [n, c, h, w]}, the same values
 *     reshaped in 'c' order
 */
public record ImportedNetwork(Network network, ParamSet parameters, Map<String, RunningStatistics> statistics,
                              boolean flatInput) {

    /** @throws IllegalArgumentException if the parameters do not fit the network */
    public ImportedNetwork {
        Objects.requireNonNull(network, "network");
        statistics = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(statistics));
        if (parameters != null) {
            network.requireParams(parameters, "the imported model");
        }
    }

    /** @return whether the DL4J model's parameters came with it */
    public boolean hasParameters() {
        return parameters != null;
    }
}
