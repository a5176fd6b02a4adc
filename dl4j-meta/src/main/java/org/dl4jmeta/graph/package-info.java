/**
 * SameDiff graphs built once per (network, episode shape, inner steps, inner update): the first-order
 * loss-and-gradient graph and the unrolled MAML graph; and {@link org.dl4jmeta.graph.ExecutionPlan}, which
 * re-executes a graph (or its gradient function, through {@link org.dl4jmeta.graph.GradientPlan}) with new
 * placeholders and parameter values without SameDiff's per-run session work.
 */
package org.dl4jmeta.graph;
