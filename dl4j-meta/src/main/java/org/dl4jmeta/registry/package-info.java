/**
 * The open registries through which model files, checkpoints and the app find layer types, losses and learners:
 * providers found by {@link java.util.ServiceLoader} (a {@code META-INF/services} file) or registered in code.
 */
package org.dl4jmeta.registry;
