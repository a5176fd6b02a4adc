/**
 * Deeplearning4j interop: DL4J {@code MultiLayerConfiguration}s, {@code ComputationGraphConfiguration}s and
 * {@code ModelSerializer} zips in ({@link org.dl4jmeta.dl4j.Dl4jImport}) as meta-learnable networks, and trained
 * networks out ({@link org.dl4jmeta.dl4j.Dl4jExport}) as plain DL4J models that {@code output()} and {@code fit()}.
 */
package org.dl4jmeta.dl4j;
