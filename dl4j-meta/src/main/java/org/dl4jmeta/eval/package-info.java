/**
 * Few-shot evaluation: adapt on each test episode's support set, score its query set, and report the mean
 * accuracy with a 95% confidence interval.
 */
package org.dl4jmeta.eval;
