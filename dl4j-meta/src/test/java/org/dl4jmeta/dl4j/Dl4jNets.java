package org.dl4jmeta.dl4j;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** A DL4J MultiLayerNetwork or ComputationGraph behind one interface, for the interop tests. */
final class Dl4jNets {

    private Dl4jNets() {
    }

    /** A DL4J network with one input and one output. */
    record Net(Model model) {

        static Net of(Object conf) {
            if (conf instanceof MultiLayerConfiguration m) {
                MultiLayerNetwork net = new MultiLayerNetwork(m);
                net.init();
                return new Net(net);
            }
            ComputationGraph g = new ComputationGraph((ComputationGraphConfiguration) conf);
            g.init();
            return new Net(g);
        }

        INDArray output(INDArray x) {
            return model instanceof MultiLayerNetwork m ? m.output(x, false) : ((ComputationGraph) model).outputSingle(
                    false, x);
        }

        /** Training-mode (batch statistics) score and gradient by parameter key. */
        Map<String, INDArray> gradient(INDArray x, INDArray y) {
            if (model instanceof MultiLayerNetwork m) {
                m.setInput(x);
                m.setLabels(y);
                m.computeGradientAndScore();
            } else {
                ComputationGraph g = (ComputationGraph) model;
                g.setInputs(x);
                g.setLabels(y);
                g.computeGradientAndScore();
            }
            Map<String, INDArray> out = new LinkedHashMap<>();
            model.gradient().gradientForVariable().forEach((k, v) -> out.put(k, v.dup()));
            return out;
        }

        double score() {
            return model.score();
        }

        /** Fills every parameter with seeded values: running variances (and log std) positive, the rest in [-1,1]. */
        void randomise(long seed) {
            SplittableRandom rng = new SplittableRandom(seed);
            for (Map.Entry<String, INDArray> e : model.paramTable().entrySet()) {
                INDArray p = e.getValue();
                double[] v = new double[(int) p.length()];
                for (int i = 0; i < v.length; i++) {
                    double u = rng.nextDouble();
                    v[i] = e.getKey().endsWith("_var") ? 0.5 + u : e.getKey().endsWith("_log10stdev") ? 0.3 * u - 0.1
                            : 2 * u - 1;
                }
                p.assign(Nd4j.create(v, p.shape(), p.dataType()));
            }
        }
    }
}
