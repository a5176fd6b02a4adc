package org.dl4jmeta.app.reproduce;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One column of a few-shot table: N-way K-shot.
 *
 * @param ways classes per episode N, &gt;= 2
 * @param shots support examples per class K, &gt;= 1
 */
record Setting(int ways, int shots) {

    /** The four columns of the Omniglot table, in the papers' order. */
    static final List<Setting> OMNIGLOT = List.of(new Setting(5, 1), new Setting(5, 5), new Setting(20, 1),
            new Setting(20, 5));

    private static final Pattern FORM = Pattern.compile("(\\d+)w(\\d+)s");

    Setting {
        if (ways < 2 || shots < 1) {
            throw new IllegalArgumentException("a setting needs ways >= 2 and shots >= 1, got " + ways + "-way "
                    + shots + "-shot");
        }
    }

    /** @return the short form, e.g. {@code 5w1s} */
    String id() {
        return ways + "w" + shots + "s";
    }

    /** @return the column title, e.g. {@code 5-way 1-shot} */
    String title() {
        return ways + "-way " + shots + "-shot";
    }

    /**
     * @param s a short form such as {@code 20w1s}
     * @return the setting
     * @throws IllegalArgumentException naming the bad value and the form
     */
    static Setting parse(String s) {
        Matcher m = FORM.matcher(s.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("setting must look like 5w1s (N-way K-shot), got '" + s + "'");
        }
        return new Setting(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)));
    }
}
