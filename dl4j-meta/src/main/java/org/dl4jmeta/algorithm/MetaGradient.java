package org.dl4jmeta.algorithm;

import org.dl4jmeta.model.ParamSet;

/**
 * The result of one task: the meta-gradient (in theta's layout) and what was observed while computing it.
 *
 * @param gradient the gradient of the task's meta-objective with respect to theta
 * @param metrics losses and accuracies before and after adaptation
 */
public record MetaGradient(ParamSet gradient, TaskMetrics metrics) {
}
