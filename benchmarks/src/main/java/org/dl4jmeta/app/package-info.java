/**
 * The command-line app ({@code java -jar benchmarks/target/dl4j-meta.jar <command>}): one picocli subcommand per
 * job, each a thin layer over the library that parses, runs and prints.
 */
package org.dl4jmeta.app;
