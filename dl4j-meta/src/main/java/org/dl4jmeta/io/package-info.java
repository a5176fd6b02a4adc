/**
 * Model files (one versioned, checksummed zip holding the network, the algorithm, the parameters, provenance and,
 * for checkpoints, the optimiser, training progress and learner state), atomic writes, and export to a plain
 * SameDiff file. Layers and learners are described through their registries, so user-registered ones are saved
 * like the built-in ones.
 */
package org.dl4jmeta.io;
