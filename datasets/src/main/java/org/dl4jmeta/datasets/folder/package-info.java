/**
 * A user's own labelled images as a few-shot data set: {@code root/<class>/<images>} in any common format, resized
 * to the network's input, decoded once into a checksummed cache, split into train/val/test by class.
 */
package org.dl4jmeta.datasets.folder;
