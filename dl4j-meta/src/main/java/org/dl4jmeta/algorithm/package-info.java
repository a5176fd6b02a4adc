/**
 * Meta-learning algorithms behind one interface, {@link org.dl4jmeta.algorithm.MetaLearner} (MAML with exact
 * second-order meta-gradients, first-order MAML, MAML++'s options, ANIL, Meta-SGD, Reptile, iMAML, HF-MAML,
 * BI-MAML), each returning a
 * meta-gradient (the outer optimiser is separate, {@link org.dl4jmeta.optim}); their
 * {@link org.dl4jmeta.algorithm.LearnerType}s in the {@link org.dl4jmeta.algorithm.LearnerTypes} registry, the
 * {@link org.dl4jmeta.algorithm.LearnerState} a learner keeps in the training state, and the public
 * {@link org.dl4jmeta.algorithm.InnerLoop} a learner of one's own is built on.
 */
package org.dl4jmeta.algorithm;
