package org.dl4jmeta.datasets.omniglot;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.dl4jmeta.datasets.DatasetException;

/**
 * A split file of the Vinyals split: one class per line, {@code Alphabet/characterNN/rotDDD} with DDD one of 000,
 * 090, 180, 270 (counter-clockwise degrees). Blank lines are ignored; line numbers count every line from 1.
 */
final class VinyalsSplitFile {

    private static final Pattern LINE = Pattern.compile("([^/]+/[^/]+)/rot(000|090|180|270)");

    /**
     * One class line.
     *
     * @param line its 1-based line number
     * @param character {@code Alphabet/characterNN}
     * @param quarterTurns counter-clockwise quarter turns, 0..3
     * @param text the whole line, the class name
     */
    record Line(int line, String character, int quarterTurns, String text) {
    }

    private VinyalsSplitFile() {
    }

    /**
     * @param file the split file
     * @param dataDir the Omniglot folder, for the fix in messages
     * @return its class lines in file order
     * @throws DatasetException if the file is missing, unreadable, empty, or has a malformed or duplicate line
     *     (file and line number named)
     */
    static List<Line> read(Path file, Path dataDir) throws DatasetException {
        List<Line> lines = new ArrayList<>();
        Map<String, Integer> seen = new HashMap<>();
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            int no = 0;
            for (String s; (s = r.readLine()) != null; ) {
                no++;
                String t = s.strip();
                if (t.isEmpty()) {
                    continue;
                }
                Matcher m = LINE.matcher(t);
                if (!m.matches()) {
                    throw new DatasetException("Omniglot split file " + file + " line " + no + ": expected "
                            + "'Alphabet/characterNN/rotDDD' with DDD one of 000, 090, 180, 270, got '" + t + "'");
                }
                Integer first = seen.putIfAbsent(t, no);
                if (first != null) {
                    throw new DatasetException("Omniglot split file " + file + " line " + no + ": duplicate class '"
                            + t + "' (first on line " + first + ")");
                }
                lines.add(new Line(no, m.group(1), Integer.parseInt(m.group(2)) / 90, t));
            }
        } catch (NoSuchFileException e) {
            throw new DatasetException("Omniglot split file " + file + " not found. " + Omniglot.layoutHelp(dataDir),
                    e);
        } catch (MalformedInputException e) {
            throw new DatasetException("Omniglot split file " + file + " is not UTF-8 text; restore it with "
                    + Omniglot.downloadCommand(dataDir), e);
        } catch (DatasetException e) {
            throw e;
        } catch (IOException e) {
            throw new DatasetException("cannot read Omniglot split file " + file + ": " + e, e);
        }
        if (lines.isEmpty()) {
            throw new DatasetException("Omniglot split file " + file + " lists no classes");
        }
        return lines;
    }
}
