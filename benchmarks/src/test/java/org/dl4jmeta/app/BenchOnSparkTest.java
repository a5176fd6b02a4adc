package org.dl4jmeta.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** bench --spark-master adds one line per meta-step configuration: Spark's meta-step against this process's. */
class BenchOnSparkTest {

    @Test
    void aSparkLineFollowsEachMetaStepLineWithItsOverhead() {
        CliRun r = CliRun.run("bench", "--configs", "fomaml-1", "--meta-batch", "2", "--repeats", "2", "--warmup",
                "0", "--ways", "2", "--queries", "1", "--spark-master", "local[2]");
        assertEquals(0, r.code(), r.out() + r.err());
        List<String> lines = r.out().lines().filter(l -> l.startsWith("{")).toList();
        assertEquals(2, lines.size(), r.out());
        String l = lines.get(1);
        assertTrue(l.contains("\"bench\":\"fomaml-1\"") && l.contains("\"spark_master\":\"local[2]\"")
                && l.contains("\"partitions\":2") && l.contains("\"local_workers\":2"), l);
        double spark = Double.parseDouble(l.replaceAll(".*\"median_ms_per_meta_step\":([0-9.]+).*", "$1"));
        double local = Double.parseDouble(l.replaceAll(".*\"local_median_ms_per_meta_step\":([0-9.]+).*", "$1"));
        double overhead = Double.parseDouble(l.replaceAll(".*\"overhead_ms\":(-?[0-9.]+).*", "$1"));
        assertTrue(spark > 0 && local > 0, l);
        assertEquals(spark - local, overhead, 0.11, l);
    }
}
