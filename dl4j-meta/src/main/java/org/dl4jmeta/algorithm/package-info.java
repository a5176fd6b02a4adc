/**
 * Meta-learning algorithms behind one interface, {@link org.dl4jmeta.algorithm.MetaLearner}: MAML with exact
 * second-order meta-gradients, first-order MAML and Reptile. Each returns a meta-gradient; the outer optimiser is
 * separate ({@link org.dl4jmeta.train}).
 */
package org.dl4jmeta.algorithm;
