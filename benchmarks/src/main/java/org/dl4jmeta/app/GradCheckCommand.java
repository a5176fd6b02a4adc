package org.dl4jmeta.app;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.dl4jmeta.algorithm.HfMaml;
import org.dl4jmeta.algorithm.HfMamlConfig;
import org.dl4jmeta.algorithm.Imaml;
import org.dl4jmeta.algorithm.ImamlConfig;
import org.dl4jmeta.algorithm.Maml;
import org.dl4jmeta.algorithm.MamlConfig;
import org.dl4jmeta.app.jobs.NetworkChoice;
import org.dl4jmeta.check.MetaGradientCheck;
import org.dl4jmeta.experiments.DenseImplicitGradient;
import org.dl4jmeta.graph.LossGradGraph;
import org.dl4jmeta.hvp.ConjugateGradient;
import org.dl4jmeta.model.Conv4;
import org.dl4jmeta.model.Network;
import org.dl4jmeta.model.ParamSet;
import org.dl4jmeta.task.Episode;
import org.dl4jmeta.task.SyntheticTasks;
import org.nd4j.linalg.api.buffer.DataType;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code gradcheck}: the meta-gradient of an architecture against central finite differences along random unit
 * directions, in double precision. The last line is {@code relative_error=<max over directions>}; the exit code is
 * 1 above the tolerance.
 */
@Command(name = "gradcheck", mixinStandardHelpOptions = true,
        description = {"Checks a meta-gradient in double precision along random unit directions:",
            "maml and fomaml against central finite differences of the meta-objective,",
            "imaml (conjugate gradient) against the dense implicit gradient (use --arch tiny),",
            "hfmaml (finite-difference Hessian-vector products) against exact one-step MAML.",
            "Prints one line per direction and, last, relative_error=<max>; exits 1 above --tolerance."})
public final class GradCheckCommand implements Callable<Integer> {

    /** Algorithms the check supports. */
    enum Algo { maml, fomaml, imaml, hfmaml }

    /** Architectures: the papers' two Conv-4 networks at full size, and a tiny one for quick checks. */
    enum Arch { omniglot, miniimagenet, tiny }

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--algo", defaultValue = "maml",
            description = "maml (second order), fomaml, imaml or hfmaml. Default: ${DEFAULT-VALUE}")
    Algo algo;

    @Option(names = "--arch", defaultValue = "tiny",
            description = "omniglot (1x28x28, 64 filters, stride 2), miniimagenet (3x84x84, 32 filters, max-pool) "
                    + "or tiny (1x12x12, 4 filters, stride 2). Default: ${DEFAULT-VALUE}")
    Arch arch;

    @Option(names = "--network", paramLabel = "conv4|resnet12|FILE", defaultValue = "conv4",
            description = "conv4 (sized by --arch), resnet12 (MetaOptNet's ResNet-12 on --arch's input; tiny: "
                    + "1x16x16, widths 2,3,4,5) or a DL4J configuration JSON / model zip (at its own input shape). "
                    + "Default: ${DEFAULT-VALUE}")
    String network;

    @Option(names = "--resnet-widths", paramLabel = "W1,W2,W3,W4", split = ",",
            description = "resnet12: the four blocks' widths. Default: 2,3,4,5 with --arch tiny, else "
                    + "64,160,320,640")
    java.util.List<Integer> resnetWidths;

    @Option(names = "--inner-steps", defaultValue = "1",
            description = "inner steps K (iMAML: gradient-descent steps on the regularised loss). Default: ${DEFAULT-VALUE}")
    int innerSteps;

    @Option(names = "--inner-step-size", defaultValue = "0.4",
            description = "inner step size alpha. Default: ${DEFAULT-VALUE}")
    double alpha;

    @Option(names = "--learned-step-sizes", description = "learn alpha per tensor and step (MAML++/Meta-SGD)")
    boolean learnedStepSizes;

    @Option(names = "--directions", defaultValue = "5", description = "random unit directions R. Default: ${DEFAULT-VALUE}")
    int directions;

    @Option(names = "--seed", defaultValue = "1", description = "seed of parameters, episode and directions. Default: ${DEFAULT-VALUE}")
    long seed;

    @Option(names = "--ways", defaultValue = "5", description = "classes N. Default: ${DEFAULT-VALUE}")
    int ways;

    @Option(names = "--shots", defaultValue = "1", description = "support examples per class. Default: ${DEFAULT-VALUE}")
    int shots;

    @Option(names = "--queries", defaultValue = "2", description = "query examples per class. Default: ${DEFAULT-VALUE}")
    int queries;

    @Option(names = "--eps", defaultValue = "1e-6", description = "finite-difference step. Default: ${DEFAULT-VALUE}")
    double eps;

    @Option(names = "--lambda", defaultValue = "10.0",
            description = "iMAML regularisation; I + H/lambda must be positive definite for CG. Default: ${DEFAULT-VALUE}")
    double lambda;

    @Option(names = "--cg-iterations", defaultValue = "200",
            description = "iMAML conjugate-gradient iterations (enough to converge). Default: ${DEFAULT-VALUE}")
    int cgIterations;

    @Option(names = "--delta", defaultValue = "1e-5",
            description = "HF-MAML finite-difference step. Default: ${DEFAULT-VALUE}")
    double delta;

    @Option(names = "--tolerance", defaultValue = "1e-6", description = "largest accepted relative error. Default: ${DEFAULT-VALUE}")
    double tolerance;

    /**
     * @param ways classes N
     * @return the quick-check network: 1x12x12 input, four stride-2 blocks of 4 filters, an N-way head
     */
    static Network tiny(int ways) {
        return Conv4.build(new long[] {1, 12, 12}, 4, Conv4.Downsampling.STRIDE, 4, ways);
    }

    /** Narrow ResNet-12 widths for {@code --arch tiny}. */
    static final java.util.List<Integer> TINY_RESNET_WIDTHS = java.util.List.of(2, 3, 4, 5);

    private void header(PrintWriter out, long params) {
        out.printf("gradcheck algo=%s network=%s arch=%s inner_steps=%d ways=%d shots=%d queries=%d params=%d "
                + "directions=%d%n", algo, network, arch, innerSteps, ways, shots, queries, params, directions);
    }

    /** The network of --network at the input and sizes of --arch (the Conv-4 variants as before). */
    private Network network() {
        boolean resnet = "resnet12".equals(network);
        NetworkChoice choice = NetworkChoice.of(network, resnetWidths != null ? resnetWidths
                : arch == Arch.tiny ? TINY_RESNET_WIDTHS : null);
        NetworkChoice.Target t = switch (arch) {
            case omniglot -> new NetworkChoice.Target(new long[] {1, 28, 28}, ways, 64, 4, Conv4.Downsampling.STRIDE);
            case miniimagenet -> new NetworkChoice.Target(new long[] {3, 84, 84}, ways, 32, 4,
                    Conv4.Downsampling.MAX_POOL);
            // ResNet-12 halves the input four times: 16 is the smallest it takes
            case tiny -> new NetworkChoice.Target(resnet ? new long[] {1, 16, 16} : new long[] {1, 12, 12}, ways, 4,
                    4, Conv4.Downsampling.STRIDE);
        };
        return choice.buildAtOwnInput(t);
    }

    @Override
    public Integer call() {
        Network net = network();
        PrintWriter out = spec.commandLine().getOut();
        Episode e = SyntheticTasks.noiseEpisode(net.inputShape(), ways, shots, queries, DataType.DOUBLE, seed + 1);
        MetaGradientCheck.Result r = switch (algo) {
            case maml, fomaml -> {
                MamlConfig cfg = algo == Algo.maml ? MamlConfig.secondOrder(innerSteps, alpha)
                        : MamlConfig.firstOrder(innerSteps, alpha);
                Maml maml = new Maml(net, learnedStepSizes ? cfg.withLearnedStepSizes() : cfg);
                ParamSet theta = maml.initialise(seed, DataType.DOUBLE);
                header(out, theta.length());
                yield MetaGradientCheck.check(maml, algo == Algo.maml ? MetaGradientCheck.Objective.META_OBJECTIVE
                        : MetaGradientCheck.Objective.QUERY_LOSS_AFTER_ADAPTATION, theta, e, directions, eps, 1e-10,
                        seed + 2);
            }
            case imaml -> {
                Imaml imaml = new Imaml(net, ImamlConfig.builder(lambda).optInnerSteps(innerSteps)
                        .optInnerStepSize(alpha).optCgIterations(cgIterations).optCgTolerance(0).build());
                ParamSet theta = imaml.initialise(seed, DataType.DOUBLE);
                header(out, theta.length());
                ParamSet phi = imaml.adapt(theta, e);
                ParamSet v = new LossGradGraph(net, e.queryX().size(0), DataType.DOUBLE)
                        .run(phi, e.queryX(), e.queryY(), true).gradient();
                ConjugateGradient.Result cg = imaml.implicitGradient(phi, e.supportX(), e.supportY(), v);
                out.printf("cg_iterations=%d cg_residual=%.3e negative_curvature=%s%n", cg.iterations(),
                        cg.residualNorm(), cg.negativeCurvature());
                if (cg.negativeCurvature()) {
                    spec.commandLine().getErr().printf("I + H/lambda is not positive definite at the adapted "
                            + "parameters (lambda=%s): conjugate gradient does not apply; raise --lambda%n", lambda);
                }
                ParamSet g = cg.solution();
                ParamSet dense = DenseImplicitGradient.solve(net, phi, e.supportX(), e.supportY(), v, lambda, 0);
                yield MetaGradientCheck.compare(g, dense, directions, 1e-12, seed + 2);
            }
            case hfmaml -> {
                HfMaml hf = new HfMaml(net, HfMamlConfig.fixedDelta(alpha, delta));
                ParamSet theta = hf.initialise(seed, DataType.DOUBLE);
                header(out, theta.length());
                ParamSet g = hf.metaGradient(theta, e).gradient();
                ParamSet exact = new Maml(net, MamlConfig.secondOrder(1, alpha)).metaGradient(theta, e).gradient();
                yield MetaGradientCheck.compare(g, exact, directions, 1e-12, seed + 2);
            }
        };
        for (int i = 0; i < r.directions().size(); i++) {
            MetaGradientCheck.Direction d = r.directions().get(i);
            out.printf("direction=%d analytic=%.12e numeric=%.12e relative_error=%.3e%n", i, d.analytic(),
                    d.numeric(), d.relativeError());
        }
        out.printf("relative_error=%.3e%n", r.maxRelativeError());
        out.flush();
        if (!(r.maxRelativeError() <= tolerance)) {
            spec.commandLine().getErr().printf("gradient check failed: relative error %.3e > tolerance %.1e%n",
                    r.maxRelativeError(), tolerance);
            return 1;
        }
        return 0;
    }
}
