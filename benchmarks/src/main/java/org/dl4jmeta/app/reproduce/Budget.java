package org.dl4jmeta.app.reproduce;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What each training run of a reproduction may spend: wall time ({@code 90s}, {@code 12m}, {@code 1.5h}) or outer
 * iterations ({@code 500it}).
 *
 * @param spec the budget as written
 * @param minutes training wall-time limit in minutes, or 0 for an iteration budget
 * @param iterations outer iterations, or 0 for a time budget
 */
record Budget(String spec, double minutes, int iterations) {

    private static final Pattern FORM = Pattern.compile("(\\d+(?:\\.\\d+)?)(s|m|h|it)");

    /**
     * @param spec e.g. {@code 12m} or {@code 500it}
     * @return the budget
     * @throws IllegalArgumentException naming the bad value and the accepted forms
     */
    static Budget parse(String spec) {
        Matcher m = FORM.matcher(spec.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException("--budget must be a time (90s, 12m, 1.5h) or an iteration count "
                    + "(500it), got '" + spec + "'");
        }
        double v = Double.parseDouble(m.group(1));
        if (!(v > 0)) {
            throw new IllegalArgumentException("--budget must be positive, got '" + spec + "'");
        }
        return switch (m.group(2)) {
            case "s" -> new Budget(spec, v / 60, 0);
            case "m" -> new Budget(spec, v, 0);
            case "h" -> new Budget(spec, v * 60, 0);
            default -> {
                if (v != Math.rint(v) || v > Integer.MAX_VALUE) {
                    throw new IllegalArgumentException("--budget iterations must be a whole number, got '" + spec
                            + "'");
                }
                yield new Budget(spec, 0, (int) v);
            }
        };
    }

    /** @return whether the budget is wall time */
    boolean timed() {
        return minutes > 0;
    }
}
