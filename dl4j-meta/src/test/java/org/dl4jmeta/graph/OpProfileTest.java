package org.dl4jmeta.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/** The op profile counts every op a plan executes while it runs, by op and output shape, and nothing after. */
class OpProfileTest {

    @Test
    void countsEveryExecutedOpWhileRunningOnly() {
        SameDiff sd = SameDiff.create();
        SDVariable x = sd.placeHolder("x", DataType.FLOAT, 4, 3);
        SDVariable y = sd.math.exp(x.mul(2.0)).sum(1);
        ExecutionPlan plan = new ExecutionPlan(sd, List.of(), List.of(y.name()));
        Map<String, org.nd4j.linalg.api.ndarray.INDArray> in = Map.of("x", Nd4j.rand(DataType.FLOAT, 4, 3));
        plan.run(in); // not profiled
        OpProfile.start();
        for (int i = 0; i < 3; i++) {
            plan.run(in);
        }
        List<OpProfile.Entry> entries = OpProfile.stop();
        plan.run(in); // not profiled either
        assertEquals(3L * plan.size(), entries.stream().mapToLong(OpProfile.Entry::calls).sum(), entries.toString());
        assertTrue(entries.stream().anyMatch(e -> e.key().startsWith("exp [4, 3]")), entries.toString());
        assertTrue(entries.stream().anyMatch(e -> e.key().startsWith("reduce_sum [4]")), entries.toString());
        assertTrue(entries.stream().allMatch(e -> e.totalMs() >= 0 && e.calls() == 3), entries.toString());
        String table = OpProfile.table(entries, 3, 10);
        assertTrue(table.contains("all ops (" + entries.size() + " kinds)"), table);
        assertTrue(OpProfile.stop().isEmpty(), "a second stop has nothing recorded");
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
                () -> OpProfile.table(entries, 0, 10));
        assertTrue(ex.getMessage().contains("got 0.0"), ex.getMessage());
    }
}
