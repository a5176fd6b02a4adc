/**
 * Where a result came from: commit, versions (project, ND4J, backend), data type, the full configuration, seed,
 * checksums of the data files and start and end time, recorded with every model file and result file.
 */
package org.dl4jmeta.provenance;
