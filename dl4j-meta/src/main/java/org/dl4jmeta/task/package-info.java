/**
 * Few-shot tasks: the {@link org.dl4jmeta.task.Episode} (named support and query sets) and the
 * {@link org.dl4jmeta.task.EpisodeSource} contract that data sets and synthetic task families implement.
 */
package org.dl4jmeta.task;
