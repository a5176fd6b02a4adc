/**
 * The synthetic experiments of the papers, run through the library's learners and trainer in DOUBLE and checked
 * against closed forms computed independently in plain Java: MAML's optimum on quadratics, BI-MAML against MAML,
 * first-order MAML's gradient floor, and meta-gradient accuracy; each yields an {@link
 * org.dl4jmeta.experiments.ExperimentReport} with provenance.
 */
package org.dl4jmeta.experiments;
