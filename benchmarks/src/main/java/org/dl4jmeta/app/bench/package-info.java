/**
 * The {@code bench} command: speed and memory of the meta-learners on the papers' Omniglot shapes.
 */
package org.dl4jmeta.app.bench;
