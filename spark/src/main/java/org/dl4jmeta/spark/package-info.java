/**
 * Meta-training across machines on Apache Spark: the tasks of each meta-batch are computed on the executors and
 * summed in task order on the driver, so the parameters equal a single-process run's.
 */
package org.dl4jmeta.spark;
