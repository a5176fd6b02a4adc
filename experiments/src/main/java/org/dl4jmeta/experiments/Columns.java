package org.dl4jmeta.experiments;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A per-iteration series stored column-wise (name to list of values), the shape the notebooks and plots read.
 * Call order: construct with the column names, {@link #add} one row at a time, then {@link #toMap}.
 */
public final class Columns {

    private final Map<String, List<Object>> columns = new LinkedHashMap<>();

    /**
     * @param names the column names, in order
     * @throws IllegalArgumentException if a name repeats or there are none
     */
    public Columns(String... names) {
        if (names.length == 0) {
            throw new IllegalArgumentException("a series needs at least one column, got none");
        }
        for (String n : names) {
            if (columns.put(n, new ArrayList<>()) != null) {
                throw new IllegalArgumentException("column '" + n + "' is named twice");
            }
        }
    }

    /**
     * @param values one value per column, in order (null for none)
     * @throws IllegalArgumentException if the count differs from the number of columns
     */
    public void add(Object... values) {
        if (values.length != columns.size()) {
            throw new IllegalArgumentException("a row needs " + columns.size() + " values " + columns.keySet()
                    + ", got " + values.length);
        }
        int i = 0;
        for (List<Object> c : columns.values()) {
            c.add(values[i++]);
        }
    }

    /** @return the number of rows */
    public int size() {
        return columns.values().iterator().next().size();
    }

    /**
     * @param name a column
     * @return its values (read-only view)
     * @throws IllegalArgumentException if there is no such column
     */
    public List<Object> column(String name) {
        List<Object> c = columns.get(name);
        if (c == null) {
            throw new IllegalArgumentException("no column '" + name + "', have " + columns.keySet());
        }
        return Collections.unmodifiableList(c);
    }

    /** @return column name to values (read-only copies; null marks a missing value) */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        columns.forEach((k, v) -> m.put(k, Collections.unmodifiableList(new ArrayList<>(v))));
        return m;
    }
}
