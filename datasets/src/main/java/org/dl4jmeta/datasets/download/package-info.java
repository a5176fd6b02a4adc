/**
 * Checksummed downloads: a {@link org.dl4jmeta.datasets.download.RemoteFile} is fetched to a temporary file and
 * renamed into place only after its size and checksum are verified, so an interrupted run can simply be re-run.
 */
package org.dl4jmeta.datasets.download;
