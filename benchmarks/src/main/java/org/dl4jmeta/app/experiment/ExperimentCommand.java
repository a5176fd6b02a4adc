package org.dl4jmeta.app.experiment;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code experiment <name>}: reproductions of the papers' experiments. */
@Command(name = "experiment", mixinStandardHelpOptions = true,
        description = "Runs one of the papers' experiments; see the subcommands.",
        subcommands = {ComputeMemoryCommand.class, QuadraticOptimumCommand.class, BiMamlCommand.class,
            FomamlFloorCommand.class, MetagradAccuracyCommand.class, LearningCurvesCommand.class})
public final class ExperimentCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
