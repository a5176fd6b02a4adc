/**
 * Meta-training: the outer optimiser (ND4J's own updaters applied to the meta-gradient), the training state, the
 * meta-batch loop with its listeners and stop signal, and the worker pool that computes a meta-batch's tasks in
 * parallel.
 */
package org.dl4jmeta.train;
