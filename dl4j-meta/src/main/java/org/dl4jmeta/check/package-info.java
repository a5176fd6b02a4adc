/**
 * Finite-difference checks of meta-gradients in double precision (the method of DL4J's GradCheckUtil), used by
 * the tests and by the {@code gradcheck} command to prove a backward pass.
 */
package org.dl4jmeta.check;
