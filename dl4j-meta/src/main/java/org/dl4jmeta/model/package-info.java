/**
 * The network: layers whose forward and backward passes are ordinary differentiable SameDiff ops, the
 * {@link org.dl4jmeta.model.Conv4} of the papers, and {@link org.dl4jmeta.model.ParamSet}, the named parameter
 * tensors that live outside the graph.
 */
package org.dl4jmeta.model;
