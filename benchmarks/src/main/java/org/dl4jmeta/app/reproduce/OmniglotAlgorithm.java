package org.dl4jmeta.app.reproduce;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.dl4jmeta.algorithm.LearnerTypes;

/**
 * A row of the Omniglot table (Vinyals split, 600 test episodes): the published accuracies, where they come from,
 * and the training recipe this library uses to rerun it, as data. The papers' rows are {@link #PAPERS}; any other
 * registered learner name is a row too ({@link #parse}), without published numbers and with the train defaults as
 * its recipe, so a user's learner is reproduced the same way.
 *
 * <p>The papers' recipes, as {@code train} configuration keys (the papers' hyperparameters where the library has
 * the same knob; differences are named in {@link #recipeNote}):
 * <ul>
 * <li>MAML and first-order MAML (Finn, Abbeel, Levine 2017, section 5.2 and their code): 5-way: 1 inner step of
 *     alpha 0.4, meta-batch 32; 20-way: 5 inner steps of 0.1, meta-batch 16; Adam 1e-3; K support and K query
 *     examples per class in meta-training; 3 (5-way) and 5 (20-way) adaptation steps at test.
 * <li>Reptile (Nichol, Achiam, Schulman 2018, appendix A and their released run_omniglot.py commands): meta-trained
 *     on 10 examples per class whatever the setting's shots ({@code --train-shots 10}), the inner steps walking
 *     through fixed mini-batches of them (5-way: 5 steps on batches of 10; 20-way: 10 steps on batches of 20, one
 *     pass), meta-batch 5, outer SGD with step 1.0 on theta - phi, 50 adaptation steps at test on the setting's
 *     support set. The paper's inner loop is Adam (beta1 0, 1e-3; 20-way 5e-4) on randomly drawn batches and the
 *     outer step is annealed linearly to 0 over 100,000 iterations; here the inner loop is plain SGD of 0.1 and the
 *     outer step is constant, as a 20-minute budget reaches about 2% of those iterations.
 * <li>iMAML-GD and iMAML-HF (Rajeswaran, Finn, Kakade, Levine 2019, section 4 and Table 2; their released code
 *     aravindr93/imaml_dev): lambda 2, 5 CG iterations for the meta-gradient on the released code's damped system
 *     (2 I + H/(lambda + 10)) g = grad L_query (cgDamping 1, cgLambdaDamping 10; the undamped I + H/2 is indefinite
 *     on Conv-4, see {@link org.dl4jmeta.algorithm.ImamlConfig}), meta-batch 32, Adam 1e-3; GD: 16 inner steps of
 *     0.1 on the regularised loss (25 for 20-way, as in Table 2), adapted at test with the same steps without the
 *     proximal term (adaptLambda 0, as the released {@code measure_accuracy.py --lam 0}); HF: 5 Newton-CG
 *     iterations with line search, adapted at test by the same regularised Newton-CG.
 * <li>ANIL (Raghu, Raghu, Bengio, Vinyals 2020, section 4: MAML's hyperparameters, the head adapting): MAML's.
 * <li>Meta-SGD (Li, Zhou, Chen, Li 2017, section 4.1): 1 inner step with learned per-element step sizes, meta-batch
 *     32, Adam 1e-3, 1 adaptation step at test.
 * <li>MAML++ (Antoniou, Edwards, Storkey 2019, section 4 and their released Omniglot configurations): 5 inner steps
 *     with learned per-tensor per-step step sizes from 0.1, per-step batch-norm weights and biases, the multi-step
 *     loss annealed over 10 epochs, first order for the first 50 epochs, Adam 1e-3 cosine-annealed to 1e-5 over 100
 *     epochs, meta-batch 8, 5 adaptation steps at test; the epochs are shortened ({@code recipeNote}).
 * </ul>
 *
 * @param id the command-line name, e.g. {@code imaml-gd}
 * @param title the row title
 * @param source the paper and table the published numbers come from (empty for none)
 * @param paper published accuracies in % for {@link Setting#OMNIGLOT}, in order (empty for none)
 * @param recipe train keys of the recipe for 5-way settings
 * @param twentyWay train keys that replace the recipe's for 20-way settings
 * @param recipeNote where the recipe departs from the paper, or an empty string
 */
record OmniglotAlgorithm(String id, String title, String source, List<Double> paper, Map<String, Object> recipe,
                         Map<String, Object> twentyWay, String recipeNote) {

    /**
     * @throws NullPointerException if a field is null
     */
    OmniglotAlgorithm {
        Objects.requireNonNull(id, "id");
        paper = List.copyOf(paper);
        recipe = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(recipe));
        twentyWay = Map.copyOf(twentyWay);
    }

    private static Map<String, Object> keys(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    private static Map<String, Object> maml(String algorithm) {
        return keys("algorithm", algorithm, "innerSteps", 1, "innerStepSize", 0.4, "testInnerSteps", 3,
                "metaBatchSize", 32, "optimizer", "adam", "metaLr", 1e-3);
    }

    private static Map<String, Object> imaml(String solver, int steps, double adaptLambda) {
        return keys("algorithm", "imaml", "imamlSolver", solver, "imamlLambda", 2.0, "cgIterations", 5,
                "innerSteps", steps, "innerStepSize", 0.1, "testInnerSteps", steps, "metaBatchSize", 32,
                "optimizer", "adam", "metaLr", 1e-3, "algorithmConfig",
                keys("cgDamping", 1.0, "cgLambdaDamping", 10.0, "adaptLambda", adaptLambda));
    }

    /** Iterations per MAML++ epoch in this recipe (the paper's 500, scaled to minutes of training). */
    private static final int MAML_PP_EPOCH = 20;
    /** Rajeswaran et al. 2019, Table 2: iMAML-GD takes 25 inner steps for 20-way tasks. */
    private static final Map<String, Object> IMAML_GD_20 = keys("innerSteps", 25, "testInnerSteps", 25);

    private static final Map<String, Object> MAML_20 = keys("innerSteps", 5, "innerStepSize", 0.1,
            "testInnerSteps", 5, "metaBatchSize", 16);

    /** The rows with published numbers, in table order. */
    static final List<OmniglotAlgorithm> PAPERS = List.of(
            new OmniglotAlgorithm("maml", "MAML", "Finn et al. 2017, Table 1", List.of(98.7, 99.9, 95.8, 98.9),
                    maml("maml"), MAML_20, ""),
            new OmniglotAlgorithm("fomaml", "first-order MAML", "Finn et al. 2017, Table 1",
                    List.of(98.3, 99.2, 89.4, 97.9), maml("fomaml"), MAML_20, ""),
            new OmniglotAlgorithm("reptile", "Reptile", "Nichol et al. 2018, Table 1",
                    List.of(97.68, 99.48, 89.43, 97.12), keys("algorithm", "reptile", "shots", 10, "innerSteps", 5,
                    "innerStepSize", 0.1, "testInnerSteps", 50, "metaBatchSize", 5, "optimizer", "sgd", "metaLr",
                    1.0, "algorithmConfig", Map.of("innerBatchSize", 10)), keys("innerSteps", 10,
                    "algorithmConfig", Map.of("innerBatchSize", 20)), "meta-trained on 10 shots per class in "
                    + "fixed inner batches (10 for 5-way, 20 for 20-way), as the paper's train-shots 10; inner SGD "
                    + "of 0.1 instead of Adam; outer step 1.0 not annealed"),
            new OmniglotAlgorithm("imaml-gd", "iMAML-GD", "Rajeswaran et al. 2019, Table 2",
                    List.of(99.16, 99.67, 94.46, 98.69), imaml("gd", 16, 0.0), IMAML_GD_20,
                    "the released code's CG damping and unregularised test-time adaptation; its training inner loop "
                    + "is 16 unregularised steps and one pull-back step, here 16 steps on the regularised loss"),
            new OmniglotAlgorithm("imaml-hf", "iMAML-HF", "Rajeswaran et al. 2019, Table 2",
                    List.of(99.50, 99.74, 96.18, 99.14), imaml("newton-cg", 5, 2.0), Map.of(),
                    "the released code's CG damping for the meta-gradient (the released code has no Newton-CG "
                    + "solver); test-time adaptation by the same regularised Newton-CG"),
            new OmniglotAlgorithm("anil", "ANIL", "Raghu et al. 2020, Table 2 (20-way only)",
                    List.of(Double.NaN, Double.NaN, 96.2, 98.0), maml("anil"), MAML_20, ""),
            new OmniglotAlgorithm("metasgd", "Meta-SGD", "Li et al. 2017, Table 1",
                    List.of(99.53, 99.93, 95.93, 98.97), keys("algorithm", "metasgd", "innerSteps", 1,
                    "innerStepSize", 0.1, "testInnerSteps", 1, "metaBatchSize", 32, "optimizer", "adam", "metaLr",
                    1e-3), keys("metaBatchSize", 16), "every step size starts at 0.1 (the top of the paper's "
                    + "uniform [0.005, 0.1] draws); 20-way meta-batch 16 as MAML's"),
            new OmniglotAlgorithm("maml++", "MAML++",
                    "Antoniou et al. 2019, Table 1 (5-way 5-shot 99.85, as Papers with Code lists it)",
                    List.of(99.47, 99.85, 97.65, 99.33), keys("algorithm", "maml++", "innerSteps", 5,
                    "innerStepSize", 0.1, "testInnerSteps", 5, "metaBatchSize", 8, "optimizer", "adam", "metaLr",
                    1e-3, "metaLrSchedule", "cosine", "metaLrMin", 1e-5, "metaLrPeriod", 100 * MAML_PP_EPOCH,
                    "multiStepLossEpochs", 10, "epochIterations", MAML_PP_EPOCH,
                    "firstOrderIterations", 50 * MAML_PP_EPOCH), Map.of(),
                    "epochs of " + MAML_PP_EPOCH + " iterations instead of 500, so the schedules run their course "
                    + "within a short budget: multi-step loss annealed over 10 epochs (" + 10 * MAML_PP_EPOCH
                    + " iterations), first order for 50 (" + 50 * MAML_PP_EPOCH + "), cosine over 100 ("
                    + 100 * MAML_PP_EPOCH + "); no per-step running statistics"));

    /**
     * @param s a setting
     * @return the published test accuracy in percent, or NaN where the paper has no number for it
     */
    double paperAccuracy(Setting s) {
        int i = Setting.OMNIGLOT.indexOf(s);
        return i < 0 || i >= paper.size() ? Double.NaN : paper.get(i);
    }

    /**
     * @param s the setting
     * @return {@code train} configuration keys of this algorithm's recipe for the setting
     */
    Map<String, Object> recipe(Setting s) {
        Map<String, Object> m = new LinkedHashMap<>(recipe);
        if (s.ways() >= 20) {
            m.putAll(twentyWay);
        }
        m.put("queries", s.shots());
        return m;
    }

    /** @return the row's place in the table: papers' rows first, in order, then the others */
    int order() {
        int i = PAPERS.indexOf(this);
        return i < 0 ? PAPERS.size() : i;
    }

    /**
     * @param id a command-line name: a paper's row ({@link #PAPERS}) or any registered learner name
     * @return the row
     * @throws IllegalArgumentException naming the bad value, the papers' rows and the registered learners
     */
    static OmniglotAlgorithm parse(String id) {
        String name = id.trim();
        for (OmniglotAlgorithm a : PAPERS) {
            if (a.id.equals(name)) {
                return a;
            }
        }
        if (LearnerTypes.names().contains(name)) {
            return new OmniglotAlgorithm(name, name, "", List.of(), keys("algorithm", name), Map.of(),
                    "no published recipe: the train defaults of " + name);
        }
        List<String> known = new ArrayList<>();
        PAPERS.forEach(a -> known.add(a.id));
        throw new IllegalArgumentException("unknown algorithm '" + id + "'; use one of " + String.join(", ", known)
                + " (the papers' recipes) or a registered learner: " + String.join(", ", LearnerTypes.names()));
    }
}
