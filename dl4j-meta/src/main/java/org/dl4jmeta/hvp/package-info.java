/**
 * Hessian-vector products: exact ones by autodiff of &lt;grad L(w), v&gt; over the explicit backward graph, central
 * finite differences of gradients (Fallah et al.), and the conjugate-gradient solver that uses them (iMAML).
 */
package org.dl4jmeta.hvp;
