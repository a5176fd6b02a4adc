/**
 * Mini-ImageNet (Vinyals et al. 2016) with Ravi and Larochelle's split CSVs, read from a user's image folder with
 * DataVec's {@code NativeImageLoader}, resized to 84x84 and kept in memory, with a checksummed on-disk cache.
 */
package org.dl4jmeta.datasets.miniimagenet;
