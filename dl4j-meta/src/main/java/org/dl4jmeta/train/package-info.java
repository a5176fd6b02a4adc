/**
 * Meta-training: the meta-batch loop ({@link org.dl4jmeta.train.MetaTrainer}) that advances a training state, its
 * listeners, metrics and stop signal. The training state and outer optimiser are in {@link org.dl4jmeta.optim}, the
 * worker pool in {@link org.dl4jmeta.parallel}.
 */
package org.dl4jmeta.train;
