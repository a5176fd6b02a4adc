/**
 * {@code reproduce} and {@code report}: benchmark tables of the papers rerun by the library (train, then evaluate
 * on 600 test episodes), one result file per cell with provenance, and the README's tables generated from those
 * files and from {@code bench} output.
 */
package org.dl4jmeta.app.reproduce;
