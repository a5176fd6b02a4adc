package org.dl4jmeta.app;

import picocli.CommandLine;

/** Reports the project and ND4J versions for {@code --version}. */
public final class Versions implements CommandLine.IVersionProvider {

    @Override
    public String[] getVersion() {
        String project = Main.class.getPackage().getImplementationVersion();
        String nd4j = org.nd4j.linalg.factory.Nd4j.class.getPackage().getImplementationVersion();
        return new String[] {"dl4j-meta " + (project == null ? "(development build)" : project),
            "ND4J " + (nd4j == null ? "1.0.0-M2.1" : nd4j)};
    }
}
