/**
 * Omniglot (Lake et al. 2015) from its official layout, folders or zips: the Vinyals split with rotation classes,
 * Lake's background/evaluation split (validation held out by alphabet), 28x28 images in memory, and the
 * checksummed download of the official files.
 */
package org.dl4jmeta.datasets.omniglot;
