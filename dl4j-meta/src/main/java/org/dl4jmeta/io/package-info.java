/**
 * Model files (one versioned, checksummed zip holding the network, the algorithm, the parameters, provenance and,
 * for checkpoints, the optimiser and training state), atomic writes, and export to a plain SameDiff file.
 */
package org.dl4jmeta.io;
