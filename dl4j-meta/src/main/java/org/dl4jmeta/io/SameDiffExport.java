package org.dl4jmeta.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.dl4jmeta.model.Network;
import org.dl4jmeta.model.ParamSet;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/**
 * Exports a network with fixed parameters as a standard, forward-only SameDiff graph that plain ND4J code loads with
 * {@code SameDiff.fromFlatFile(file)} and runs with {@code sd.output(Map.of("input", x), "probabilities")}.
 *
 * <p>The graph has one placeholder, {@value #INPUT} of shape {@code [-1, inputShape...]} (any batch size), and two
 * outputs, {@value #LOGITS} {@code [batch, classes]} and {@value #PROBABILITIES} (softmax of the logits). The
 * parameters are constants named as in the {@link ParamSet} (e.g. {@code conv1/W}). Batch normalisation uses the
 * statistics of the batch it is given, as in Finn et al.'s MAML code at training and test time (there are no running
 * averages): predict a task's query images together, as one batch, to get the outputs the library computes.
 */
public final class SameDiffExport {

    /** Name of the input placeholder. */
    public static final String INPUT = "input";
    /** Name of the logits output. */
    public static final String LOGITS = "logits";
    /** Name of the softmax output. */
    public static final String PROBABILITIES = "probabilities";

    private SameDiffExport() {
    }

    /**
     * Builds the forward graph.
     *
     * @param network the network
     * @param params its parameters (extra entries, e.g. learned step sizes, are left out)
     * @return the graph
     * @throws IllegalArgumentException if the parameters do not fit the network
     */
    public static SameDiff forwardGraph(Network network, ParamSet params) {
        network.requireParams(params, "parameters");
        SameDiff sd = SameDiff.create();
        long[] in = network.inputShape();
        long[] shape = new long[in.length + 1];
        shape[0] = -1;
        System.arraycopy(in, 0, shape, 1, in.length);
        SDVariable x = sd.placeHolder(INPUT, params.dataType(), shape);
        Map<String, SDVariable> vars = new LinkedHashMap<>();
        for (String n : network.paramNames()) {
            vars.put(n, sd.constant(n, params.get(n).dup()));
        }
        // Every layer's forward pass handles a batch of -1: only backward passes and Flatten's reshape use it.
        Network.Forward f = network.forward(sd, x, -1, vars);
        SDVariable logits = sd.identity(LOGITS, f.output());
        sd.nn.softmax(PROBABILITIES, logits, 1);
        return sd;
    }

    /**
     * Writes the forward graph as a SameDiff FlatBuffers file, atomically.
     *
     * @param file the target, e.g. {@code model.fb}
     * @param network the network
     * @param params its parameters
     * @throws IOException if writing fails (the previous file, if any, is untouched)
     */
    public static void write(Path file, Network network, ParamSet params) throws IOException {
        SameDiff sd = forwardGraph(network, params);
        ByteBuffer bb = sd.asFlatBuffers(false);
        byte[] bytes = new byte[bb.remaining()];
        bb.get(bytes);
        AtomicFiles.write(file, out -> out.write(bytes));
    }
}
