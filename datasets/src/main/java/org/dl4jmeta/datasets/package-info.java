/**
 * What every data set shares: the {@link org.dl4jmeta.datasets.DataInfo} split summary behind {@code data-info},
 * the {@link org.dl4jmeta.datasets.DatasetException} for bad data files, and area resampling of images.
 */
package org.dl4jmeta.datasets;
