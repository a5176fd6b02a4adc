/**
 * The network: layers whose forward and backward passes are ordinary differentiable SameDiff ops, each with a
 * {@link org.dl4jmeta.model.LayerType} that saves its settings (found through {@link org.dl4jmeta.model.LayerTypes}),
 * losses ({@link org.dl4jmeta.model.Losses}), the {@link org.dl4jmeta.model.Conv4} of the papers, and
 * {@link org.dl4jmeta.model.ParamSet}, the named parameter tensors that live outside the graph.
 */
package org.dl4jmeta.model;
