/**
 * N-way K-shot episodes: the {@link org.dl4jmeta.datasets.episode.ClassImageSet} of a split, the deterministic
 * {@link org.dl4jmeta.datasets.episode.EpisodeSampler}, augmentation hooks and meta-batch prefetching.
 */
package org.dl4jmeta.datasets.episode;
