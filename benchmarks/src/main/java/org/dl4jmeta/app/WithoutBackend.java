package org.dl4jmeta.app;

/**
 * Marks a command that never computes with ND4J (downloads, reports on files), so that the app neither starts ND4J
 * nor checks its backend before running it; every other command logs the backend it computes on
 * ({@link Backends#start}).
 */
public interface WithoutBackend {
}
