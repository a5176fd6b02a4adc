package org.dl4jmeta.experiments;

/**
 * A task loss in plain Java doubles, with its gradient and Hessian-vector product: the independent reference the
 * experiments compare the library's learners against. Parameters are the linear model's weights, row-major
 * [inputs][outputs] flattened ({@link LinearModel#weights}).
 */
interface ReferenceTask {

    double loss(double[] w);

    double[] gradient(double[] w);

    double[] hessianVector(double[] w, double[] v);
}
