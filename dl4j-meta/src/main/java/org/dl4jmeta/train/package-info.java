/**
 * Meta-training: the meta-batch loop ({@link org.dl4jmeta.train.MetaTrainer}) that advances a training state, its
 * listeners, metrics and stop signal, and a run's policy in a locked run folder (validation, best model,
 * checkpoints, budgets, resume, NaN and divergence stops: {@link org.dl4jmeta.train.TrainingRun}). The training
 * state and outer optimiser are in {@link org.dl4jmeta.optim}, the worker pool in {@link org.dl4jmeta.parallel}.
 */
package org.dl4jmeta.train;
