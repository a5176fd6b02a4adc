package org.dl4jmeta.app.reproduce;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The rows of the Omniglot table (Vinyals split, 600 test episodes): each algorithm's published accuracies, where
 * they come from, and the training recipe this library uses to rerun it (the papers' hyperparameters where the
 * library has the same knob; differences are named in {@link #recipeNote}).
 *
 * <p>Recipes, as {@code train} configuration keys:
 * <ul>
 * <li>MAML and first-order MAML (Finn, Abbeel, Levine 2017, section 5.2 and their code): 5-way: 1 inner step of
 *     alpha 0.4, meta-batch 32; 20-way: 5 inner steps of 0.1, meta-batch 16; Adam 1e-3; K support and K query
 *     examples per class in meta-training; 3 (5-way) and 5 (20-way) adaptation steps at test.
 * <li>Reptile (Nichol, Achiam, Schulman 2018, appendix A): 5 inner steps, meta-batch 5, outer SGD with step 1.0 on
 *     theta - phi, 50 adaptation steps at test. The paper's inner loop is Adam on mini-batches of 10; here it is
 *     plain SGD of 0.1 on the support set, and the outer step is not annealed.
 * <li>iMAML-GD and iMAML-HF (Rajeswaran, Finn, Kakade, Levine 2019, section 4 and their code): lambda 2, 5 CG
 *     iterations for the meta-gradient, meta-batch 32, Adam 1e-3; GD: 16 inner steps of 0.1 on the regularised
 *     loss; HF: 5 Newton-CG iterations with line search. The same inner solver adapts at test.
 * </ul>
 */
enum OmniglotAlgorithm {

    /** Finn et al. 2017, Table 1. */
    MAML("maml", "MAML", "Finn et al. 2017, Table 1", 98.7, 99.9, 95.8, 98.9),
    /** Finn et al. 2017, Table 1. */
    FOMAML("fomaml", "first-order MAML", "Finn et al. 2017, Table 1", 98.3, 99.2, 89.4, 97.9),
    /** Nichol et al. 2018, Table 1. */
    REPTILE("reptile", "Reptile", "Nichol et al. 2018, Table 1", 97.68, 99.48, 89.43, 97.12),
    /** Rajeswaran et al. 2019, Table 2. */
    IMAML_GD("imaml-gd", "iMAML-GD", "Rajeswaran et al. 2019, Table 2", 99.16, 99.67, 94.46, 98.69),
    /** Rajeswaran et al. 2019, Table 2. */
    IMAML_HF("imaml-hf", "iMAML-HF", "Rajeswaran et al. 2019, Table 2", 99.50, 99.74, 96.18, 99.14);

    private final String id;
    private final String title;
    private final String source;
    private final double[] paper;

    OmniglotAlgorithm(String id, String title, String source, double... paper) {
        this.id = id;
        this.title = title;
        this.source = source;
        this.paper = paper;
    }

    /** @return the command-line name, e.g. {@code imaml-gd} */
    String id() {
        return id;
    }

    /** @return the row title */
    String title() {
        return title;
    }

    /** @return the paper and table the published numbers come from */
    String source() {
        return source;
    }

    /**
     * @param s a setting
     * @return the published test accuracy in percent, or NaN where the paper has no number for it
     */
    double paperAccuracy(Setting s) {
        int i = Setting.OMNIGLOT.indexOf(s);
        return i < 0 ? Double.NaN : paper[i];
    }

    /**
     * @param s the setting
     * @return {@code train} configuration keys of this algorithm's recipe for the setting
     */
    Map<String, Object> recipe(Setting s) {
        boolean twenty = s.ways() >= 20;
        Map<String, Object> m = new LinkedHashMap<>();
        switch (this) {
            case MAML, FOMAML -> {
                m.put("algorithm", id);
                m.put("innerSteps", twenty ? 5 : 1);
                m.put("innerStepSize", twenty ? 0.1 : 0.4);
                m.put("testInnerSteps", twenty ? 5 : 3);
                m.put("metaBatchSize", twenty ? 16 : 32);
                m.put("optimizer", "adam");
                m.put("metaLr", 1e-3);
            }
            case REPTILE -> {
                m.put("algorithm", "reptile");
                m.put("innerSteps", 5);
                m.put("innerStepSize", 0.1);
                m.put("testInnerSteps", 50);
                m.put("metaBatchSize", 5);
                m.put("optimizer", "sgd");
                m.put("metaLr", 1.0);
            }
            case IMAML_GD, IMAML_HF -> {
                m.put("algorithm", "imaml");
                m.put("imamlSolver", this == IMAML_GD ? "gd" : "newton-cg");
                m.put("imamlLambda", 2.0);
                m.put("cgIterations", 5);
                m.put("innerSteps", this == IMAML_GD ? 16 : 5);
                m.put("innerStepSize", 0.1);
                m.put("testInnerSteps", this == IMAML_GD ? 16 : 5);
                m.put("metaBatchSize", 32);
                m.put("optimizer", "adam");
                m.put("metaLr", 1e-3);
            }
            default -> throw new IllegalStateException(id);
        }
        m.put("queries", s.shots());
        return m;
    }

    /** @return where the recipe departs from the paper, or an empty string */
    String recipeNote() {
        return this == REPTILE ? "inner SGD of 0.1 on the support set instead of Adam on mini-batches of 10; "
                + "outer step 1.0 not annealed" : "";
    }

    /**
     * @param id a command-line name
     * @return the algorithm
     * @throws IllegalArgumentException naming the bad value and the known names
     */
    static OmniglotAlgorithm parse(String id) {
        for (OmniglotAlgorithm a : values()) {
            if (a.id.equals(id.trim())) {
                return a;
            }
        }
        throw new IllegalArgumentException("unknown algorithm '" + id + "'; use one of "
                + String.join(", ", Arrays.stream(values()).map(OmniglotAlgorithm::id).toList()));
    }
}
