package org.dl4jmeta.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.dl4jmeta.io.Json;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;

/**
 * The cosine schedule's values (SGDR eq. 5: initial at 0, the midpoint at T/2, the minimum from T on), its JSON round
 * trip inside an ND4J updater (what checkpoints store), and bad values named.
 */
class CosineScheduleTest {

    @Test
    void valuesFollowTheCosine() {
        CosineSchedule s = new CosineSchedule(1e-3, 1e-5, 100);
        assertEquals(1e-3, s.valueAt(0, 0), 1e-18);
        assertEquals((1e-3 + 1e-5) / 2, s.valueAt(50, 0), 1e-18);
        // t = 25: min + (max - min) (1 + cos(pi/4)) / 2
        assertEquals(1e-5 + (1e-3 - 1e-5) * (1 + Math.sqrt(0.5)) / 2, s.valueAt(25, 0), 1e-18);
        assertEquals(1e-5, s.valueAt(100, 0), 1e-18);
        assertEquals(1e-5, s.valueAt(5000, 0), 1e-18);
        assertTrue(s.valueAt(10, 0) > s.valueAt(11, 0));
    }

    @Test
    void survivesTheUpdatersJson() throws Exception {
        IUpdater adam = new Adam(new CosineSchedule(2e-3, 1e-4, 300));
        String json = Json.write(Json.tree(adam));
        assertTrue(json.contains(CosineSchedule.class.getName()), json);
        IUpdater back = Json.mapper().treeToValue(Json.mapper().readTree(json), IUpdater.class);
        assertEquals(adam, back);
        assertEquals(new CosineSchedule(2e-3, 1e-4, 300).valueAt(120, 0),
                ((Adam) back).getLearningRateSchedule().valueAt(120, 0), 0);
    }

    @Test
    void badValuesAreNamed() {
        for (Object[] c : new Object[][] {{0.0, 0.0, 10, "0.0"}, {1e-3, 2e-3, 10, "0.002"}, {1e-3, 0.0, 0, "0"}}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> new CosineSchedule((double) c[0], (double) c[1], (int) c[2]));
            assertTrue(e.getMessage().contains((String) c[3]), e.getMessage());
        }
    }
}
