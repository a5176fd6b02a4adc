/**
 * The data commands of the app: {@code data-info} (classes and images per split of a data set on disk) and
 * {@code download} (Omniglot's official files, checksummed). Thin wrappers over the datasets module.
 */
package org.dl4jmeta.app.data;
