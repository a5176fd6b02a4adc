/**
 * What meta-training changes and checkpoints hold: the outer optimiser (ND4J's own updaters applied to the
 * meta-gradient, with their state) and the training state (theta, optimiser, iteration, the learner's own state).
 */
package org.dl4jmeta.optim;
