package org.dl4jmeta.train;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The folder of one meta-training run, held exclusively while it is open: {@code run.lock} carries an operating
 * system lock ({@link FileChannel#tryLock}) and the holder's pid, host and start time, so a second process on the
 * same folder is refused with a message naming the holder, and a lock left by a crashed process (the file without
 * the OS lock, which the kernel releases when a process dies) is taken over.
 *
 * <p>Opening decides what the folder may already hold: a {@link Mode#FRESH} run refuses a folder with any earlier
 * run's files (config, metrics, checkpoint, best or final model, summary, provenance), {@link Mode#OVERWRITE}
 * deletes exactly those files once the lock is held, {@link Mode#RESUME} needs a checkpoint. Temporary files
 * of writes that a crash interrupted ({@code .<name>.<digits>.tmp}, see {@code AtomicFiles}) are deleted once the
 * lock is held: no other process can be writing them then.
 *
 * <p>The lock file itself stays (emptied on {@link #close}): deleting it would let a process that opened the old
 * file and one that created a new one both hold "the" lock.
 *
 * <p>Call order: {@link #open}, use the paths, {@link #close} (empties the lock file and releases the lock).
 */
public final class RunFolder implements AutoCloseable {

    /** The lock file. */
    public static final String LOCK = "run.lock";
    /** What {@code --resume} continues from: theta, optimiser state, iteration, learner state. */
    public static final String CHECKPOINT = "checkpoint.zip";
    /** The meta-model with the best validation accuracy. */
    public static final String BEST = "best.zip";
    /** The final meta-model. */
    public static final String MODEL = "model.zip";
    /** One JSON object per iteration and validation. */
    public static final String METRICS = "metrics.jsonl";
    /** The resolved configuration. */
    public static final String CONFIG = "config.json";
    /** How far the run got and what ended it. */
    public static final String SUMMARY = "summary.json";
    /** The provenance of the final model. */
    public static final String PROVENANCE = "provenance.json";
    /** The test evaluation a job may write after training ({@code train --test-episodes}). */
    public static final String TEST = "test.json";
    /** The files a run writes; any of them marks the folder as holding results. */
    public static final List<String> RESULT_FILES = List.of(CONFIG, METRICS, CHECKPOINT, BEST, MODEL, SUMMARY,
            PROVENANCE, TEST);

    private static final Pattern TEMP = Pattern.compile("\\..+\\.\\d+\\.tmp");

    /** What a run may find in its folder. */
    public enum Mode {
        /** A new run: the folder must hold no earlier run's files. */
        FRESH,
        /** A new run replacing an earlier one: its files are deleted once the lock is held. */
        OVERWRITE,
        /** Continue the run whose checkpoint the folder holds. */
        RESUME
    }

    private final Path dir;
    private final FileChannel channel;
    private final FileLock lock;
    private final String takenOver;
    private final List<Path> removedTemps;

    private RunFolder(Path dir, FileChannel channel, FileLock lock, String takenOver, List<Path> removedTemps) {
        this.dir = dir;
        this.channel = channel;
        this.lock = lock;
        this.takenOver = takenOver;
        this.removedTemps = List.copyOf(removedTemps);
    }

    /**
     * Creates the folder if needed, locks it and checks its contents against the mode.
     *
     * @param dir the run folder
     * @param mode fresh, overwrite or resume
     * @return the open, locked folder
     * @throws IllegalArgumentException if another process holds the lock (naming its pid, host and start), if a
     *     fresh run finds earlier results (naming them and the fix), or a resumed run finds no checkpoint
     * @throws UncheckedIOException if the folder cannot be created or locked (naming it and the reason)
     */
    public static RunFolder open(Path dir, Mode mode) {
        Objects.requireNonNull(dir, "dir");
        Objects.requireNonNull(mode, "mode");
        Path lockFile = dir.resolve(LOCK);
        FileChannel ch = null;
        try {
            if (Files.exists(dir) && !Files.isDirectory(dir)) {
                throw new IllegalArgumentException("run folder " + dir + " is a file, not a folder; choose another "
                        + "--run-dir");
            }
            Files.createDirectories(dir);
            ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
            FileLock l;
            try {
                l = ch.tryLock();
            } catch (OverlappingFileLockException sameProcess) {
                l = null;
            }
            if (l == null) {
                String holder = readHolder(ch);
                ch.close();
                throw new IllegalArgumentException("run folder " + dir + " is in use by another training process ("
                        + (holder.isEmpty() ? "holder unknown" : holder) + ", lock file " + lockFile
                        + "); wait for it to finish, stop it, or choose another --run-dir");
            }
            String previous = readHolder(ch);
            ch.truncate(0);
            ch.write(ByteBuffer.wrap(holderLine().getBytes(StandardCharsets.UTF_8)), 0);
            ch.force(true);
            RunFolder f = new RunFolder(dir, ch, l, previous, removeTemps(dir));
            try {
                f.checkContents(mode);
            } catch (RuntimeException e) {
                f.close();
                throw e;
            }
            return f;
        } catch (IOException e) {
            if (ch != null) {
                try {
                    ch.close();
                } catch (IOException ignored) {
                    // the original failure is what the caller needs to see
                }
            }
            throw new UncheckedIOException("cannot create or lock run folder " + dir + " (" + e.getClass()
                    .getSimpleName() + ": " + e.getMessage() + "); choose a writable --run-dir", e);
        }
    }

    private void checkContents(Mode mode) throws IOException {
        List<String> found = new ArrayList<>();
        for (String name : RESULT_FILES) {
            if (Files.exists(dir.resolve(name))) {
                found.add(name);
            }
        }
        switch (mode) {
            case FRESH -> {
                if (!found.isEmpty()) {
                    throw new IllegalArgumentException("run folder " + dir + " already holds an earlier run's "
                            + String.join(", ", found) + "; add --resume to continue it (needs " + CHECKPOINT
                            + "), --overwrite to replace it, or choose another --run-dir");
                }
            }
            case OVERWRITE -> {
                for (String name : found) {
                    Files.delete(dir.resolve(name));
                }
            }
            case RESUME -> {
                if (!found.contains(CHECKPOINT)) {
                    throw new IllegalArgumentException("--resume: no checkpoint " + dir.resolve(CHECKPOINT)
                            + "; give the folder of the run to continue with --run-dir");
                }
            }
            default -> throw new AssertionError(mode);
        }
    }

    private static List<Path> removeTemps(Path dir) throws IOException {
        List<Path> removed = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
            for (Path p : s) {
                if (TEMP.matcher(p.getFileName().toString()).matches() && Files.isRegularFile(p)) {
                    Files.delete(p);
                    removed.add(p);
                }
            }
        }
        return removed;
    }

    private static String readHolder(FileChannel ch) throws IOException {
        long size = Math.min(ch.size(), 4096);
        ByteBuffer b = ByteBuffer.allocate((int) size);
        ch.read(b, 0);
        return new String(b.array(), 0, b.position(), StandardCharsets.UTF_8).strip();
    }

    private static String holderLine() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            host = "unknown-host";
        }
        return "pid " + ProcessHandle.current().pid() + " on host " + host + " since "
                + Instant.now().truncatedTo(ChronoUnit.SECONDS) + " (" + ManagementFactory.getRuntimeMXBean()
                .getName() + ")\n";
    }

    /** @return the folder */
    public Path dir() {
        return dir;
    }

    /**
     * @param name a file name, e.g. {@link #CHECKPOINT}
     * @return its path in the folder
     */
    public Path file(String name) {
        return dir.resolve(name);
    }

    /**
     * @return the holder line of a lock that a dead process left behind and this open took over, or empty when
     *     there was none
     */
    public String takenOverFrom() {
        return takenOver;
    }

    /** @return temporary files of interrupted writes that opening deleted */
    public List<Path> removedTemps() {
        return removedTemps;
    }

    /** Empties the lock file and releases the lock. Idempotent. */
    @Override
    public void close() {
        if (!channel.isOpen()) {
            return;
        }
        try {
            channel.truncate(0);
            channel.force(true);
            lock.release();
            channel.close();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot release the lock of run folder " + dir + ": " + e.getMessage(), e);
        }
    }
}
