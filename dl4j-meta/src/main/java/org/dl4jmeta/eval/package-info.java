/**
 * Few-shot evaluation: adapt on each test episode's support set, score its query set, and report the mean accuracy
 * with a 95% confidence interval, on the workers of {@link org.dl4jmeta.parallel}; per-episode outcomes convert to
 * DL4J {@code Evaluation} objects.
 */
package org.dl4jmeta.eval;
