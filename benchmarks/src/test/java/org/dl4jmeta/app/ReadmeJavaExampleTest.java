package org.dl4jmeta.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.dl4jmeta.predict.FewShotClassifier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's Java example ({@code <!-- readme-example: AdaptAndPredict -->}) compiles and runs exactly as
 * printed, with its file names pointed at a folder this test fills: five Omniglot characters of the Vinyals test
 * split (Kannada 1 to 5, never seen in meta-training), one drawing each as the support set, another drawer's
 * drawing of character 3 as the image to predict. The shipped model must predict character 3, and the saved
 * classifier must load and give the same probability.
 */
class ReadmeJavaExampleTest {

    private static final Path README = Path.of("..", "README.md");
    private static final Path OMNIGLOT = Path.of("..", "..", "shared", "datasets", "omniglot",
            "images_evaluation.zip");
    private static final String MARKER = "<!-- readme-example: AdaptAndPredict -->";

    @Test
    void theReadmeExampleAdaptsTheShippedModelAndPredictsAFile(@TempDir Path dir) throws Exception {
        String source = example();
        long codeLines = source.lines().filter(l -> l.startsWith("        ")).count();
        assertTrue(codeLines <= 10, "the example's main has " + codeLines + " lines, the README promises ten");

        Path support = dir.resolve("my-support");
        Path image = dir.resolve("my-image.png");
        Path saved = dir.resolve("my-classifier.zip");
        extractCharacters(support, image);
        Map<String, String> paths = new LinkedHashMap<>();
        paths.put("\"benchmarks/src/main/resources/pretrained/omniglot-5way-1shot.zip\"",
                quoted(Path.of("src/main/resources/pretrained/omniglot-5way-1shot.zip").toAbsolutePath()));
        paths.put("\"my-support\"", quoted(support));
        paths.put("\"my-image.png\"", quoted(image));
        paths.put("\"my-classifier.zip\"", quoted(saved));
        for (Map.Entry<String, String> e : paths.entrySet()) {
            assertEquals(1, count(source, e.getKey()), "the example names " + e.getKey() + " once");
            source = source.replace(e.getKey(), e.getValue());
        }

        Path src = dir.resolve("src").resolve("AdaptAndPredict.java");
        Files.createDirectories(src.getParent());
        Files.writeString(src, source);
        Path classes = dir.resolve("classes");
        Files.createDirectories(classes);
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        ByteArrayOutputStream diagnostics = new ByteArrayOutputStream();
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        int rc = javac.run(null, diagnostics, diagnostics, "-classpath", classpath, "-d", classes.toString(),
                src.toString());
        assertEquals(0, rc, "the README example does not compile:\n" + diagnostics);

        PrintStream before = System.out;
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        try (URLClassLoader loader = new URLClassLoader(new URL[] {classes.toUri().toURL()},
                getClass().getClassLoader())) {
            Method main = loader.loadClass("AdaptAndPredict").getMethod("main", String[].class);
            System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
            main.invoke(null, (Object) new String[0]);
        } finally {
            System.setOut(before);
        }
        String[] line = printed.toString(StandardCharsets.UTF_8).strip().split(" ");
        assertEquals(2, line.length, printed.toString(StandardCharsets.UTF_8));
        assertEquals("character03", line[0], "the shipped model's prediction of another drawing of character 3");
        double p = Double.parseDouble(line[1]);
        assertTrue(p > 0.2 && p <= 1, "the winning probability of 5 classes is above chance: " + p);

        FewShotClassifier loaded = FewShotClassifier.load(saved);
        assertEquals(List.of("character01", "character02", "character03", "character04", "character05"),
                loaded.classes());
        FewShotClassifier.Prediction again = loaded.predict(
                org.dl4jmeta.datasets.folder.ImageFolderReader.forModel(loaded.model()).read(image));
        assertEquals("character03", again.className(0));
        assertEquals(p, again.probability(0), 1e-6);
    }

    /** The README's Java block after the marker. */
    private static String example() throws IOException {
        String readme = Files.readString(README);
        int m = readme.indexOf(MARKER);
        assertTrue(m >= 0, "README.md lacks " + MARKER);
        int b = readme.indexOf("```java\n", m);
        int e = readme.indexOf("```", b + 8);
        assertTrue(b > m && e > b, "no ```java block after " + MARKER);
        return readme.substring(b + 8, e);
    }

    /** Kannada characters 1-5: drawer 01 into support/characterNN/, character 3's drawer 02 to image. */
    private static void extractCharacters(Path support, Path image) throws IOException {
        try (ZipFile zip = new ZipFile(OMNIGLOT.toFile())) {
            List<ZipEntry> entries = new ArrayList<>();
            zip.stream().filter(z -> z.getName().startsWith("images_evaluation/Kannada/character0")).forEach(
                    entries::add);
            for (int c = 1; c <= 5; c++) {
                String name = "character0" + c;
                ZipEntry one = drawing(entries, name, "_01.png");
                Path dst = support.resolve(name).resolve(Path.of(one.getName()).getFileName().toString());
                Files.createDirectories(dst.getParent());
                copy(zip, one, dst);
            }
            copy(zip, drawing(entries, "character03", "_02.png"), image);
        }
    }

    private static ZipEntry drawing(List<ZipEntry> entries, String character, String drawer) {
        return entries.stream().filter(z -> z.getName().contains("/" + character + "/")
                && z.getName().endsWith(drawer)).findFirst().orElseThrow(() -> new IllegalStateException(
                "no drawing " + drawer + " of Kannada " + character + " in " + OMNIGLOT));
    }

    private static void copy(ZipFile zip, ZipEntry entry, Path dst) throws IOException {
        try (InputStream in = zip.getInputStream(entry)) {
            Files.copy(in, dst);
        }
    }

    private static String quoted(Path p) {
        return "\"" + p.toString().replace("\\", "\\\\") + "\"";
    }

    private static int count(String text, String what) {
        int n = 0;
        for (int i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + 1)) {
            n++;
        }
        return n;
    }
}
