/**
 * The synthetic experiments of the papers, run through the library's learners and trainer in DOUBLE and checked
 * against closed forms computed independently in plain Java: MAML's optimum on quadratics, BI-MAML against MAML,
 * first-order MAML's gradient floor, and meta-gradient accuracy; each yields an {@link
 * org.dl4jmeta.experiments.ExperimentReport} with provenance. Also the dense references that only checks use:
 * {@link org.dl4jmeta.experiments.DenseImplicitGradient}, iMAML's exact implicit meta-gradient for the
 * {@code gradcheck} command. This package is the {@code dl4j-meta-experiments} module; the library jar does not
 * hold it.
 */
package org.dl4jmeta.experiments;
