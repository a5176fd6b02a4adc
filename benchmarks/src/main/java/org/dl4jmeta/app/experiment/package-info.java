/**
 * Reproductions of the papers' experiments and the memory and speed measurements behind them: compute-memory writes
 * JSON lines to standard output; the synthetic experiments (quadratic-optimum, bimaml, fomaml-floor,
 * metagrad-accuracy) write {@code <out>/<name>.json} and {@code <out>/<name>.png} and print a summary line last.
 */
package org.dl4jmeta.app.experiment;
