/**
 * Inner updates: how one inner step turns (theta, phi_k, grad L_support(phi_k)) into phi_{k+1}, written once and run
 * both as SameDiff ops (the unrolled, differentiable MAML graph) and on ND4J arrays (the executed inner loop):
 * SGD, learned step sizes per tensor and step, Meta-SGD's per-element step sizes, a proximal term, a mask of the
 * tensors that adapt, composed as small pieces.
 */
package org.dl4jmeta.update;
