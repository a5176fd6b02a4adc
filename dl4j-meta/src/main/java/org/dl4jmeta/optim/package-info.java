/**
 * What meta-training changes and checkpoints hold: the outer optimiser (ND4J's own updaters applied to the
 * meta-gradient, with their state; MAML++'s cosine learning-rate schedule) and the training state (theta, optimiser,
 * iteration, the learner's own state).
 */
package org.dl4jmeta.optim;
