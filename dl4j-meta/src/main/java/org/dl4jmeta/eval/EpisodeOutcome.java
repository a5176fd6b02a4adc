package org.dl4jmeta.eval;

import java.util.Objects;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * What happened on one test episode after adaptation: query accuracy and loss, and the query outputs and targets,
 * from which DL4J's {@link Evaluation} (confusion matrix, precision, recall, F1) can be built.
 *
 * @param episode the episode's index in its source
 * @param accuracy query accuracy after adaptation (NaN for regression)
 * @param loss query loss after adaptation
 * @param queryOutput network outputs (logits) on the query set [n, ways]
 * @param queryTargets one-hot query targets [n, ways]
 */
public record EpisodeOutcome(long episode, double accuracy, double loss, INDArray queryOutput,
                             INDArray queryTargets) {

    /**
     * @throws NullPointerException if a tensor is null
     */
    public EpisodeOutcome {
        Objects.requireNonNull(queryOutput, "queryOutput");
        Objects.requireNonNull(queryTargets, "queryTargets");
    }

    /** @return the predicted class of each query example (arg-max of the output) */
    public int[] predicted() {
        return Nd4j.argMax(queryOutput, 1).toIntVector();
    }

    /** @return the true class of each query example (arg-max of the one-hot target) */
    public int[] actual() {
        return Nd4j.argMax(queryTargets, 1).toIntVector();
    }

    /**
     * This episode as a DL4J evaluation. Classes are the episode's label positions 0..N-1 (each episode draws its
     * classes and their order anew, so positions, not data set classes, are what a confusion matrix can count).
     *
     * @return a DL4J {@link Evaluation} of the softmax of the query outputs against the targets
     */
    public Evaluation toEvaluation() {
        Evaluation e = new Evaluation((int) queryTargets.size(1));
        e.eval(queryTargets, probabilities());
        return e;
    }

    /** @return the softmax of the query outputs, row by row */
    public INDArray probabilities() {
        INDArray z = queryOutput.sub(queryOutput.max(true, 1));
        INDArray p = Transforms.exp(z, false);
        return p.diviColumnVector(p.sum(true, 1));
    }
}
