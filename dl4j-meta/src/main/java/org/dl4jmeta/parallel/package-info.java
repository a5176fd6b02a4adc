/**
 * Running independent tasks (a meta-batch's tasks, evaluation episodes) on a fixed set of workers with their own
 * learners, and the per-thread native (OpenMP) thread count those workers use; shared by training and evaluation.
 */
package org.dl4jmeta.parallel;
