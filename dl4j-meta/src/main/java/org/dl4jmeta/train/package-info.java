/**
 * Meta-training: the outer optimiser (ND4J's own updaters applied to the meta-gradient), the training state, the
 * meta-batch loop and its listeners.
 */
package org.dl4jmeta.train;
