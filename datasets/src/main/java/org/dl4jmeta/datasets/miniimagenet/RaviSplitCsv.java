package org.dl4jmeta.datasets.miniimagenet;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.dl4jmeta.datasets.DatasetException;

/**
 * A split CSV of Ravi and Larochelle 2017 ("Optimization as a Model for Few-Shot Learning"): header
 * {@code filename,label}, then one image per line, e.g. {@code n0153282900000005.jpg,n01532829}. Classes are the
 * labels in order of first appearance; a class's images are in file order.
 *
 * @param file the CSV file
 * @param bytes its raw content (part of the cache key)
 * @param rows its data rows
 * @param classes label to the indices (into rows) of its images, in order of first appearance
 */
record RaviSplitCsv(Path file, byte[] bytes, List<Row> rows, Map<String, List<Integer>> classes) {

    /**
     * One data row.
     *
     * @param line its 1-based line number
     * @param filename the image's file name
     * @param label its class
     */
    record Row(int line, String filename, String label) {
    }

    /**
     * @param file the CSV file (must exist)
     * @return the parsed split
     * @throws DatasetException if the header or a row is malformed or a file name repeats (file and line named)
     */
    static RaviSplitCsv read(Path file) throws DatasetException {
        byte[] bytes;
        String text;
        try {
            bytes = Files.readAllBytes(file);
            text = StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new DatasetException("Mini-ImageNet split file " + file + " is not UTF-8 text", e);
        } catch (IOException e) {
            throw new DatasetException("cannot read Mini-ImageNet split file " + file + ": " + e, e);
        }
        String[] lines = text.split("\r?\n", -1);
        if (!lines[0].strip().equals("filename,label")) {
            throw new DatasetException("Mini-ImageNet split file " + file + " line 1: expected the header "
                    + "'filename,label', got '" + lines[0].strip() + "'");
        }
        List<Row> rows = new ArrayList<>();
        Map<String, List<Integer>> classes = new LinkedHashMap<>();
        Map<String, Integer> seen = new HashMap<>();
        for (int k = 1; k < lines.length; k++) {
            String s = lines[k].strip();
            if (s.isEmpty()) {
                continue;
            }
            int no = k + 1;
            String[] parts = s.split(",", -1);
            if (parts.length != 2 || parts[0].isBlank() || parts[1].isBlank() || parts[0].contains("/")
                    || parts[0].contains("\\") || parts[0].startsWith(".")) {
                throw new DatasetException("Mini-ImageNet split file " + file + " line " + no + ": expected "
                        + "'filename,label' with a plain file name, got '" + s + "'");
            }
            Integer first = seen.putIfAbsent(parts[0], no);
            if (first != null) {
                throw new DatasetException("Mini-ImageNet split file " + file + " line " + no + ": duplicate image '"
                        + parts[0] + "' (first on line " + first + ")");
            }
            classes.computeIfAbsent(parts[1], l -> new ArrayList<>()).add(rows.size());
            rows.add(new Row(no, parts[0], parts[1]));
        }
        if (rows.isEmpty()) {
            throw new DatasetException("Mini-ImageNet split file " + file + " lists no images");
        }
        return new RaviSplitCsv(file, bytes, List.copyOf(rows), classes);
    }
}
