/**
 * Meta-training: the outer optimiser (ND4J's own updaters applied to the meta-gradient), the training state, the
 * meta-batch loop with its listeners and stop signal, the worker pool that computes a meta-batch's tasks in
 * parallel, and a run's policy in a locked run folder (validation, best model, checkpoints, budgets, resume, NaN and
 * divergence stops: {@link org.dl4jmeta.train.TrainingRun}).
 */
package org.dl4jmeta.train;
