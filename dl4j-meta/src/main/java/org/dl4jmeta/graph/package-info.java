/**
 * Compiled SameDiff graphs, built once per (network, episode shape, inner steps, order) and re-executed with new
 * placeholders and parameter values: the first-order loss-and-gradient graph and the unrolled MAML graph.
 */
package org.dl4jmeta.graph;
