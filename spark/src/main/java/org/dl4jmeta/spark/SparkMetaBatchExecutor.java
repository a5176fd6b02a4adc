package org.dl4jmeta.spark;

import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.apache.spark.SparkEnv;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.dl4jmeta.algorithm.LearnerState;
import org.dl4jmeta.algorithm.MetaGradient;
import org.dl4jmeta.algorithm.MetaLearner;
import org.dl4jmeta.algorithm.TaskMetrics;
import org.dl4jmeta.io.Json;
import org.dl4jmeta.io.ModelFile;
import org.dl4jmeta.io.SavedModel;
import org.dl4jmeta.model.ParamSet;
import org.dl4jmeta.parallel.NativeThreads;
import org.dl4jmeta.provenance.Provenance;
import org.dl4jmeta.task.Episode;
import org.dl4jmeta.task.EpisodeSource;
import org.dl4jmeta.train.MetaBatchExecutor;
import org.dl4jmeta.train.MetaTrainer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Computes each meta-batch's task meta-gradients on the executors of a Spark application; {@link MetaTrainer}
 * sums them in task order on the driver and steps the outer optimiser there, so the parameters equal a
 * single-process run's (bit for bit in double precision).
 *
 * <p>Per iteration: theta is broadcast (names, shapes and one flat array), the task indices 0..B-1 are
 * parallelised over at most {@code partitions} partitions, and on the executors each partition regenerates its
 * episodes {@code firstEpisode + i} from the {@link EpisodeSourceFactory} and computes their meta-gradients; the
 * driver collects them in task order. Each executor JVM builds the episode source once and one learner per
 * concurrently running task, and keeps them for the application's lifetime. The learner travels as a dl4j-meta
 * model file (the same description {@code model.zip} holds), so any learner a model file can describe works.
 * Tasks running at once in one JVM share its cores for their native ops, as the trainer's own workers do.
 *
 * <p>Faults: a failed or lost task is recomputed by Spark from the same inputs, so a retry changes nothing
 * ({@code spark.task.maxFailures} attempts; in local mode use a master like {@code local[2,4]} to allow retries).
 * An executor that cannot build the episode source fails its task with a message naming the executor's host
 * and the factory (its path); once the attempts are spent the iteration fails with that message.
 *
 * <p>On the first iteration the executors' first episode is compared with the driver's source, so a factory that
 * describes another stream (another seed, split or data set) fails at once instead of training on other tasks.
 *
 * <p>Call order: construct on the driver, give to {@link MetaTrainer#executor} or
 * {@link org.dl4jmeta.train.TrainingRun#executor}, {@link #close} when training is done (the Spark context stays
 * the caller's). Not thread-safe.
 */
public final class SparkMetaBatchExecutor implements MetaBatchExecutor {

    /** Executor-side state, per JVM: the learners and episode source of each executor object, by key. */
    private static final Map<String, Worker> WORKERS = new ConcurrentHashMap<>();

    private final JavaSparkContext spark;
    private final int partitions;
    private final EpisodeSourceFactory episodes;
    private final Broadcast<Job> job;
    private boolean streamChecked;

    /**
     * @param spark the Spark context (stays the caller's)
     * @param learner a learner configured as the trainer's (only its description is sent: network, algorithm
     *     and its settings)
     * @param episodes describes the training episode stream, built on every executor
     * @param partitions the most partitions a meta-batch is split into, &gt;= 1 (e.g. the executors' total
     *     cores, {@code spark.defaultParallelism()})
     * @throws IllegalArgumentException if partitions is below 1, or the learner cannot be written to a model file or
     *     rebuilt from it
     */
    public SparkMetaBatchExecutor(JavaSparkContext spark, MetaLearner learner, EpisodeSourceFactory episodes,
                                  int partitions) {
        this.spark = Objects.requireNonNull(spark, "spark");
        Objects.requireNonNull(learner, "learner");
        this.episodes = Objects.requireNonNull(episodes, "episodes");
        if (partitions < 1) {
            throw new IllegalArgumentException("partitions must be >= 1, got " + partitions);
        }
        this.partitions = partitions;
        byte[] model = describe(learner);
        String rebuilt = rebuild(model).id();
        if (!rebuilt.equals(learner.id())) {
            throw new IllegalArgumentException("learner '" + learner.id() + "' reads back from its model file as '"
                    + rebuilt + "'; it cannot be sent to executors");
        }
        this.job = spark.broadcast(new Job(UUID.randomUUID().toString(), model, episodes,
                spark.defaultParallelism()));
    }

    /**
     * @param spark the Spark context
     * @param learner a learner configured as the trainer's
     * @param episodes describes the training episode stream
     * @return an executor splitting a meta-batch over at most {@code spark.defaultParallelism()} partitions
     */
    public static SparkMetaBatchExecutor create(JavaSparkContext spark, MetaLearner learner,
                                                EpisodeSourceFactory episodes) {
        return new SparkMetaBatchExecutor(spark, learner, episodes, spark.defaultParallelism());
    }

    /** @return the most partitions a meta-batch is split into */
    public int partitions() {
        return partitions;
    }

    /**
     * {@inheritDoc}
     *
     * @throws IllegalStateException if the Spark job fails (its message, with the executor's, is included), or the
     *     executors' first episode differs from {@code source}'s
     */
    @Override
    public List<MetaGradient> metaGradients(ParamSet theta, LearnerState learnerState, EpisodeSource source,
                                            int iteration, long firstEpisode, int count,
                                            boolean preAdaptationMetrics) {
        if (count < 1) {
            throw new IllegalArgumentException("count must be >= 1, got " + count);
        }
        Broadcast<Theta> sent = spark.broadcast(Theta.of(theta));
        List<Integer> tasks = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            tasks.add(i);
        }
        List<TaskResult> results;
        try {
            results = spark.parallelize(tasks, Math.min(partitions, count))
                    .mapPartitions(new ComputeTasks(job, sent, State.of(learnerState), firstEpisode,
                            preAdaptationMetrics, !streamChecked))
                    .collect();
        } catch (Exception e) { // SparkException is checked in Scala's sense only
            throw new IllegalStateException("iteration " + iteration + " (episodes " + firstEpisode + ".."
                    + (firstEpisode + count - 1) + ") failed on the Spark cluster: " + firstLine(e), e);
        } finally {
            sent.destroy();
        }
        if (!streamChecked) {
            String here = fingerprint(source.episode(firstEpisode));
            String there = results.get(0).fingerprint();
            if (!here.equals(there)) {
                throw new IllegalStateException("episode " + firstEpisode + " on the executors differs from the "
                        + "driver's (sha256 " + there + " vs " + here + "): " + episodes
                        + " must describe the training source's stream (data, split, ways, shots, seed, data type)");
            }
            streamChecked = true;
        }
        List<MetaGradient> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            TaskResult r = results.get(i);
            if (r.task() != i) {
                throw new IllegalStateException("Spark returned task " + r.task() + " in place " + i);
            }
            double[] m = r.metrics();
            out.add(new MetaGradient(theta.withFlat(r.gradient().toArray()), new TaskMetrics(m[0], m[1], m[2], m[3],
                    m[4])));
        }
        return out;
    }

    /**
     * Forgets this executor's learners and episodes in the driver's JVM (which computes the tasks in local mode);
     * executor JVMs of a cluster keep theirs until the application ends.
     */
    @Override
    public void close() {
        WORKERS.remove(job.value().key());
        job.destroy();
    }

    private static String firstLine(Throwable e) {
        String m = String.valueOf(e.getMessage());
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }

    /** @return a dl4j-meta model file of the learner (its parameters are a seeded initialisation, unused) */
    private static byte[] describe(MetaLearner learner) {
        Path tmp = null;
        try {
            tmp = Files.createTempFile("dl4j-meta-spark-learner", ".zip");
            SavedModel m = SavedModel.meta(learner, learner.initialise(0, DataType.FLOAT), Map.of(),
                    Provenance.capture(DataType.FLOAT, 0, Map.of("purpose", "spark learner"),
                            Map.of()));
            ModelFile.write(tmp, m);
            return Files.readAllBytes(tmp);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot describe learner '" + learner.id() + "' as a model file: "
                    + e.getMessage(), e);
        } finally {
            deleteQuietly(tmp);
        }
    }

    private static MetaLearner rebuild(byte[] model) {
        Path tmp = null;
        try {
            tmp = Files.createTempFile("dl4j-meta-spark-learner", ".zip");
            Files.write(tmp, model);
            return ModelFile.read(tmp).createLearner();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot rebuild the learner from its model file: " + e.getMessage(), e);
        } finally {
            deleteQuietly(tmp);
        }
    }

    private static void deleteQuietly(Path p) {
        if (p != null) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException e) {
                // a temp file left behind is harmless; the result does not depend on it
            }
        }
    }

    /** @return where this code runs, for messages: "host (executor id)" */
    static String where() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            host = "unknown host";
        }
        SparkEnv env = SparkEnv.get();
        return host + " (executor " + (env == null ? "?" : env.executorId()) + ")";
    }

    /** @return the SHA-256 of an episode's four tensors (data type, shapes and values) */
    static String fingerprint(Episode e) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (INDArray a : List.of(e.supportX(), e.supportY(), e.queryX(), e.queryY())) {
                md.update(a.dataType().name().getBytes(java.nio.charset.StandardCharsets.UTF_8));
                md.update(Arrays.toString(a.shape()).getBytes(java.nio.charset.StandardCharsets.UTF_8));
                double[] v = Nd4j.toFlattened('c', a).castTo(DataType.DOUBLE).toDoubleVector();
                ByteBuffer b = ByteBuffer.allocate(v.length * Double.BYTES);
                b.asDoubleBuffer().put(v);
                md.update(b.array());
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException ex) {
            throw new IllegalStateException("SHA-256 is not available", ex);
        }
    }

    /**
     * What every executor needs for the whole run, broadcast once.
     *
     * @param key names the run's executor-side state
     * @param model the learner as a model file
     * @param episodes the episode stream's description
     * @param localTaskThreads the task threads of local mode, where the driver's JVM runs the tasks
     */
    record Job(String key, byte[] model, EpisodeSourceFactory episodes, int localTaskThreads)
            implements Serializable {
    }

    /**
     * @return the tasks this JVM runs at once: local mode's task threads, else the executor's cores over
     *     {@code spark.task.cpus}
     */
    static int concurrentTasks(Job job) {
        SparkEnv env = SparkEnv.get();
        int taskCpus = Math.max(1, env.conf().getInt("spark.task.cpus", 1));
        int cores = "driver".equals(env.executorId()) ? job.localTaskThreads()
                : env.conf().getInt("spark.executor.cores", Runtime.getRuntime().availableProcessors());
        return Math.max(1, cores / taskCpus);
    }

    /**
     * A learner's state (e.g. BI-MAML's phase) as its record class and JSON, the form checkpoints keep it in; null
     * fields for a learner without state.
     *
     * @param className the state record's class
     * @param json its fields
     */
    record State(String className, String json) implements Serializable {

        static State of(LearnerState s) {
            if (s == null || s.equals(LearnerState.NONE)) {
                return new State(null, null);
            }
            try {
                return new State(s.getClass().getName(), Json.mapper().writeValueAsString(s));
            } catch (IOException e) {
                throw new IllegalArgumentException("learner state " + s + " cannot be sent to executors as JSON: "
                        + e.getMessage(), e);
            }
        }

        LearnerState toLearnerState() {
            if (className == null) {
                return LearnerState.NONE;
            }
            try {
                Class<? extends LearnerState> c = Class.forName(className, true,
                        Thread.currentThread().getContextClassLoader()).asSubclass(LearnerState.class);
                return Json.mapper().readValue(json, c);
            } catch (IOException | ClassNotFoundException e) {
                throw new IllegalStateException("executor " + where() + " cannot rebuild learner state " + className
                        + " " + json + ": " + e.getMessage(), e);
            }
        }
    }

    /** A flat vector in FLOAT or DOUBLE, exactly. */
    record Flat(double[] doubles, float[] floats) implements Serializable {

        static Flat of(INDArray a) {
            INDArray flat = Nd4j.toFlattened('c', a);
            if (a.dataType() == DataType.DOUBLE) {
                return new Flat(flat.toDoubleVector(), null);
            }
            if (a.dataType() == DataType.FLOAT) {
                return new Flat(null, flat.toFloatVector());
            }
            throw new IllegalArgumentException("parameters must be FLOAT or DOUBLE, got " + a.dataType());
        }

        INDArray toArray() {
            return doubles != null ? Nd4j.createFromArray(doubles) : Nd4j.createFromArray(floats);
        }
    }

    /** Theta as names, shapes and values. */
    record Theta(List<String> names, List<long[]> shapes, Flat values) implements Serializable {

        static Theta of(ParamSet p) {
            List<long[]> shapes = new ArrayList<>();
            for (String n : p.names()) {
                shapes.add(p.shape(n).clone());
            }
            return new Theta(new ArrayList<>(p.names()), shapes, Flat.of(p.flat()));
        }

        ParamSet toParamSet() {
            Map<String, long[]> specs = new LinkedHashMap<>();
            for (int i = 0; i < names.size(); i++) {
                specs.put(names.get(i), shapes.get(i));
            }
            INDArray v = values.toArray();
            return ParamSet.zeros(specs, v.dataType()).withFlat(v);
        }
    }

    /**
     * One task's meta-gradient and metrics (in {@link TaskMetrics}' order); the episode's fingerprint when the driver
     * asked for it.
     */
    record TaskResult(int task, Flat gradient, double[] metrics, String fingerprint) implements Serializable {

        static TaskResult of(int task, MetaGradient g, String fingerprint) {
            TaskMetrics m = g.metrics();
            return new TaskResult(task, Flat.of(g.gradient().flat()), new double[] {m.supportLossBefore(),
                m.queryLossBefore(), m.queryAccuracyBefore(), m.queryLossAfter(), m.queryAccuracyAfter()},
                    fingerprint);
        }
    }

    /** The executor side of one iteration: computes a partition's tasks. */
    static final class ComputeTasks implements FlatMapFunction<Iterator<Integer>, TaskResult> {
        private static final long serialVersionUID = 1L;
        private final Broadcast<Job> job;
        private final Broadcast<Theta> theta;
        private final State state;
        private final long firstEpisode;
        private final boolean preAdaptationMetrics;
        private final boolean fingerprintFirst;

        ComputeTasks(Broadcast<Job> job, Broadcast<Theta> theta, State state, long firstEpisode,
                     boolean preAdaptationMetrics, boolean fingerprintFirst) {
            this.job = job;
            this.theta = theta;
            this.state = state;
            this.firstEpisode = firstEpisode;
            this.preAdaptationMetrics = preAdaptationMetrics;
            this.fingerprintFirst = fingerprintFirst;
        }

        @Override
        public Iterator<TaskResult> call(Iterator<Integer> tasks) {
            Worker w = Worker.of(job.value());
            ParamSet t = theta.value().toParamSet();
            LearnerState ls = state.toLearnerState();
            List<TaskResult> out = new ArrayList<>();
            MetaLearner l = w.borrow();
            // as the trainer's own workers: tasks running at once share the cores instead of each spinning
            // OpenMP threads on all of them
            int callerThreads = NativeThreads.get();
            NativeThreads.set(NativeThreads.perWorker(concurrentTasks(job.value())));
            try {
                while (tasks.hasNext()) {
                    int i = tasks.next();
                    long index = firstEpisode + i;
                    Episode e = w.source().episode(index);
                    MetaGradient g = l.metaGradient(t, ls, e, preAdaptationMetrics);
                    out.add(TaskResult.of(i, g, fingerprintFirst && i == 0 ? fingerprint(e) : null));
                }
            } finally {
                NativeThreads.set(callerThreads);
                w.release(l);
            }
            return out.iterator();
        }
    }

    /** An executor JVM's state for one job: the episode source (thread-safe) and idle learners (one per task). */
    static final class Worker {
        private final SavedModel model;
        private final EpisodeSource source;
        private final ConcurrentLinkedQueue<MetaLearner> idle = new ConcurrentLinkedQueue<>();

        private Worker(SavedModel model, EpisodeSource source) {
            this.model = model;
            this.source = source;
        }

        static Worker of(Job job) {
            Worker w = WORKERS.get(job.key());
            if (w != null) {
                return w;
            }
            synchronized (WORKERS) {
                w = WORKERS.get(job.key());
                if (w == null) {
                    w = create(job);
                    WORKERS.put(job.key(), w);
                }
                return w;
            }
        }

        private static Worker create(Job job) {
            EpisodeSource source;
            try {
                source = job.episodes().create();
            } catch (Exception e) {
                throw new IllegalStateException("executor " + where() + " cannot read the training episodes "
                        + job.episodes() + ": " + e.getMessage()
                        + " (every executor needs the data at that path, or the files shipped to it)", e);
            }
            Path tmp = null;
            try {
                tmp = Files.createTempFile("dl4j-meta-spark-learner", ".zip");
                Files.write(tmp, job.model());
                return new Worker(ModelFile.read(tmp), source);
            } catch (IOException e) {
                throw new UncheckedIOException("executor " + where() + " cannot rebuild the learner: "
                        + e.getMessage(), e);
            } finally {
                deleteQuietly(tmp);
            }
        }

        EpisodeSource source() {
            return source;
        }

        MetaLearner borrow() {
            MetaLearner l = idle.poll();
            return l != null ? l : model.createLearner();
        }

        void release(MetaLearner l) {
            idle.add(l);
        }
    }
}
