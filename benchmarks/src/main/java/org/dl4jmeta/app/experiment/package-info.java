/**
 * Reproductions of the papers' experiments and the memory and speed measurements behind them; each writes
 * JSON lines to standard output.
 */
package org.dl4jmeta.app.experiment;
