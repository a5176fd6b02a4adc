package org.dl4jmeta.experiments;

import java.util.List;

/**
 * The one-step MAML objective over tasks evaluated in plain Java (Finn et al. 2017; Fallah et al. 2020, eq. 2):
 * F(w) = (1/M) sum_i f_i(w - alpha grad f_i(w)), grad F(w) = (1/M) sum_i (I - alpha H_i(w)) grad f_i(w_i'),
 * w_i' = w - alpha grad f_i(w). Support and query of every task are the same data.
 */
final class MamlReference {

    private MamlReference() {
    }

    static double value(List<? extends ReferenceTask> tasks, double alpha, double[] w) {
        double s = 0;
        for (ReferenceTask t : tasks) {
            s += t.loss(Linalg.add(w, -alpha, t.gradient(w)));
        }
        return s / tasks.size();
    }

    static double[] gradient(List<? extends ReferenceTask> tasks, double alpha, double[] w) {
        double[] g = new double[w.length];
        for (ReferenceTask t : tasks) {
            double[] v = t.gradient(Linalg.add(w, -alpha, t.gradient(w)));
            g = Linalg.add(g, 1, Linalg.add(v, -alpha, t.hessianVector(w, v)));
        }
        return Linalg.scale(1.0 / tasks.size(), g);
    }

    /** @return grad f(w) of the average task loss f = (1/M) sum_i f_i (no adaptation) */
    static double[] averageGradient(List<? extends ReferenceTask> tasks, double[] w) {
        double[] g = new double[w.length];
        for (ReferenceTask t : tasks) {
            g = Linalg.add(g, 1, t.gradient(w));
        }
        return Linalg.scale(1.0 / tasks.size(), g);
    }

    static double averageLoss(List<? extends ReferenceTask> tasks, double[] w) {
        double s = 0;
        for (ReferenceTask t : tasks) {
            s += t.loss(w);
        }
        return s / tasks.size();
    }
}
