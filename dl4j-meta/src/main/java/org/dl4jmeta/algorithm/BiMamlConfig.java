package org.dl4jmeta.algorithm;

/**
 * Configuration of biphasic MAML (Xu, Chen, Karbasi, BI-MAML): phase 1 is gradient descent on the average task
 * loss f(w) = (1/M) sum_i f_i(w), with no adaptation and first-order cost, while ||grad f(w)|| &gt;= epsilon0;
 * phase 2 is MAML on F(w) = (1/M) sum_i f_i(w - alpha grad f_i(w)), until ||grad F(w)|| &lt;= epsilon.
 *
 * @param maml the MAML of phase 2
 * @param epsilon0 gradient-norm threshold that ends phase 1, &gt;= 0 (0: phase 1 never ends)
 * @param epsilon gradient-norm target that stops training in phase 2, &gt;= 0 (0: never stop early)
 */
public record BiMamlConfig(MamlConfig maml, double epsilon0, double epsilon) {

    /**
     * @throws IllegalArgumentException naming the first bad value
     */
    public BiMamlConfig {
        java.util.Objects.requireNonNull(maml, "maml");
        if (!(epsilon0 >= 0) || Double.isInfinite(epsilon0)) {
            throw new IllegalArgumentException("epsilon0 must be >= 0 and finite, got " + epsilon0);
        }
        if (!(epsilon >= 0) || Double.isInfinite(epsilon)) {
            throw new IllegalArgumentException("epsilon must be >= 0 and finite, got " + epsilon);
        }
    }
}
