package org.dl4jmeta.spark;

import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;

/** Counts the task attempts that failed, as the driver's scheduler saw them (any executor JVM). */
final class FailedAttempts extends SparkListener {

    private final AtomicInteger failed = new AtomicInteger();

    @Override
    public void onTaskEnd(SparkListenerTaskEnd end) {
        if (end.taskInfo().failed()) {
            failed.incrementAndGet();
        }
    }

    /**
     * @param atLeast the count to wait for (listener events arrive asynchronously)
     * @return the count, once it reaches atLeast or after 10 s
     */
    int await(int atLeast) throws InterruptedException {
        long end = System.nanoTime() + 10_000_000_000L;
        while (failed.get() < atLeast && System.nanoTime() < end) {
            Thread.sleep(20);
        }
        return failed.get();
    }
}
