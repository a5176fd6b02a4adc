package org.dl4jmeta.app;

import org.nd4j.common.io.Resource;
import org.nd4j.linalg.factory.Environment;
import org.nd4j.linalg.factory.Nd4jBackend;

/**
 * A stand-in for ND4J's JCublasBackend on a machine without a GPU: {@code isAvailable()} fails the way
 * JCublasBackend's does ({@code canRun()}'s "No CUDA devices were found in system", its root cause rethrown in a
 * RuntimeException). Not registered as a service: tests name it directly.
 */
public final class FakeCudaBackend extends Nd4jBackend {

    @Override
    public boolean allowsOrder() {
        return false;
    }

    @Override
    public int getPriority() {
        return BACKEND_PRIORITY_GPU;
    }

    @Override
    public boolean isAvailable() {
        throw new RuntimeException(new RuntimeException("No CUDA devices were found in system"));
    }

    @Override
    public boolean canRun() {
        return false;
    }

    @Override
    public Resource getConfigurationResource() {
        return null;
    }

    @Override
    public Class getNDArrayClass() {
        return null;
    }

    @Override
    public Environment getEnvironment() {
        return null;
    }

    @Override
    public String buildInfo() {
        return "";
    }

    @Override
    public void logBackendInit() {
    }
}
