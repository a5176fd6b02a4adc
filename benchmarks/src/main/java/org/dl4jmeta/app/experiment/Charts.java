package org.dl4jmeta.app.experiment;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * PNG plots of the experiments with XChart, headless (no display is needed: {@code java.awt.headless} is set before
 * the first chart). A figure is a grid of line charts; on a logarithmic axis, points that are not positive (a
 * gradient norm of exactly 0, a missing value) are left out, since a log axis cannot show them.
 */
final class Charts {

    static {
        System.setProperty("java.awt.headless", "true");
    }

    static final int WIDTH = 640;
    static final int HEIGHT = 440;

    private Charts() {
    }

    /**
     * @param title chart title
     * @param x x-axis title
     * @param y y-axis title
     * @param logX whether the x axis is logarithmic
     * @param logY whether the y axis is logarithmic
     * @return an empty chart
     */
    static XYChart chart(String title, String x, String y, boolean logX, boolean logY) {
        return chart(title, x, y, logX, logY, Styler.LegendPosition.InsideNE);
    }

    /**
     * @param title chart title
     * @param x x-axis title
     * @param y y-axis title
     * @param logX whether the x axis is logarithmic
     * @param logY whether the y axis is logarithmic
     * @param legend where the legend goes (where it hides no line)
     * @return an empty chart
     */
    static XYChart chart(String title, String x, String y, boolean logX, boolean logY, Styler.LegendPosition legend) {
        XYChart c = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle(x).yAxisTitle(y).build();
        c.getStyler().setXAxisLogarithmic(logX);
        c.getStyler().setYAxisLogarithmic(logY);
        c.getStyler().setChartBackgroundColor(Color.WHITE);
        c.getStyler().setLegendPosition(legend);
        c.getStyler().setMarkerSize(4);
        return c;
    }

    /**
     * Adds a line; values that the chart's log axes cannot show are skipped.
     *
     * @param c the chart
     * @param name legend entry
     * @param xs x values (numbers or nulls)
     * @param ys y values (numbers or nulls)
     * @param markers whether to mark the points
     */
    static void line(XYChart c, String name, List<?> xs, List<?> ys, boolean markers) {
        boolean logX = c.getStyler().isXAxisLogarithmic();
        boolean logY = c.getStyler().isYAxisLogarithmic();
        List<Double> x = new ArrayList<>();
        List<Double> y = new ArrayList<>();
        for (int i = 0; i < Math.min(xs.size(), ys.size()); i++) {
            if (!(xs.get(i) instanceof Number xn) || !(ys.get(i) instanceof Number yn)) {
                continue;
            }
            double xv = xn.doubleValue();
            double yv = yn.doubleValue();
            if (!Double.isFinite(xv) || !Double.isFinite(yv) || (logX && xv <= 0) || (logY && yv <= 0)) {
                continue;
            }
            x.add(xv);
            y.add(yv);
        }
        if (x.isEmpty()) {
            return;
        }
        XYSeries s = c.addSeries(name, x, y);
        s.setMarker(markers ? SeriesMarkers.CIRCLE : SeriesMarkers.NONE);
    }

    /**
     * Adds a horizontal reference line across [x0, x1].
     */
    static void horizontal(XYChart c, String name, double x0, double x1, double y) {
        line(c, name, List.of(x0, x1), List.of(y, y), false);
    }

    /**
     * @param charts the panels, row by row
     * @param columns panels per row
     * @return the PNG bytes of the grid
     */
    static byte[] png(List<XYChart> charts, int columns) {
        int rows = (charts.size() + columns - 1) / columns;
        BufferedImage grid = new BufferedImage(columns * WIDTH, rows * HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = grid.createGraphics();
        try {
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, grid.getWidth(), grid.getHeight());
            for (int i = 0; i < charts.size(); i++) {
                g.drawImage(BitmapEncoder.getBufferedImage(charts.get(i)), (i % columns) * WIDTH,
                        (i / columns) * HEIGHT, null);
            }
        } finally {
            g.dispose();
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            if (!ImageIO.write(grid, "png", out)) {
                throw new IllegalStateException("this Java runtime has no PNG writer");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot encode the plot as PNG", e);
        }
        return out.toByteArray();
    }
}
