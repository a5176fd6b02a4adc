package org.dl4jmeta.datasets.omniglot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.dl4jmeta.datasets.SharedData;
import org.dl4jmeta.datasets.episode.EpisodePlan;
import org.dl4jmeta.datasets.episode.EpisodeSampler;
import org.dl4jmeta.datasets.episode.SamplerConfig;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Lake et al. 2015's split on the real Omniglot (skipped when ../shared/datasets/omniglot is absent): class counts
 * per split, alphabets disjoint across splits, within-alphabet episodes.
 */
class OmniglotLakeSplitIT {

    private static OmniglotImages train;
    private static OmniglotImages val;
    private static OmniglotImages test;

    @BeforeAll
    static void load() throws IOException {
        Path dir;
        try {
            dir = SharedData.omniglot();
        } catch (IllegalStateException e) {
            dir = null;
        }
        assumeTrue(dir != null && Files.isRegularFile(dir.resolve("images_background.zip"))
                && Files.isRegularFile(dir.resolve("images_evaluation.zip")), "the shared Omniglot zips are absent");
        Omniglot o = Omniglot.at(dir);
        train = o.load(OmniglotScheme.LAKE, "train");
        val = o.load(OmniglotScheme.LAKE, "val");
        test = o.load(OmniglotScheme.LAKE, "test");
    }

    private static Set<String> alphabets(OmniglotImages images) {
        Set<String> a = new HashSet<>();
        for (int c = 0; c < images.numClasses(); c++) {
            a.add(images.alphabet(c));
        }
        return a;
    }

    @Test
    void splitsCountLakesAlphabetsAndShareNone() {
        // 30 background alphabets (964 characters): 25 train (806), 5 validation (158); 20 evaluation (659)
        assertEquals(806, train.numClasses());
        assertEquals(158, val.numClasses());
        assertEquals(659, test.numClasses());
        assertEquals(806L * 20, train.totalImages());
        assertEquals(25, alphabets(train).size());
        assertEquals(Set.copyOf(Omniglot.LAKE_VALIDATION_ALPHABETS), alphabets(val));
        assertEquals(20, alphabets(test).size());
        assertTrue(Collections.disjoint(alphabets(train), alphabets(val)));
        assertTrue(Collections.disjoint(alphabets(train), alphabets(test)));
        assertTrue(Collections.disjoint(alphabets(val), alphabets(test)));
        assertEquals("omniglot/lake/test", test.name());
        assertEquals("Angelic/character01", test.className(0));
    }

    @Test
    void withinAlphabetEpisodesComeFromOneAlphabetAndSkipSmallOnes() {
        EpisodeSampler twenty = EpisodeSampler.withinGroups(test, SamplerConfig.of(20, 1, 1, 1), test::alphabet);
        assertEquals(20, twenty.groups().size(), "every evaluation alphabet has at least 20 characters");
        Set<String> seen = new HashSet<>();
        for (long i = 0; i < 200; i++) {
            EpisodePlan p = twenty.plan(i);
            Set<String> a = new HashSet<>();
            for (int c : p.classes()) {
                a.add(test.alphabet(c));
            }
            assertEquals(1, a.size(), "episode " + i + " mixes alphabets " + a);
            assertEquals(20, new HashSet<>(List.of(java.util.Arrays.stream(p.classes()).boxed()
                    .toArray(Integer[]::new))).size());
            seen.addAll(a);
            assertEquals(p, EpisodeSampler.withinGroups(test, SamplerConfig.of(20, 1, 1, 1), test::alphabet)
                    .plan(i), "deterministic per seed");
        }
        assertTrue(seen.size() >= 15, "200 episodes should visit most of the 20 alphabets, saw " + seen);
        // 30-way: only the alphabets of >= 30 characters qualify
        EpisodeSampler thirty = EpisodeSampler.withinGroups(test, SamplerConfig.of(30, 1, 1, 1), test::alphabet);
        assertEquals(List.of("Glagolitic", "Gurmukhi", "Kannada", "Malayalam", "Manipuri", "Mongolian",
                "Old_Church_Slavonic_(Cyrillic)", "Oriya", "Tibetan"), thirty.groups());
        IllegalArgumentException none = assertThrows(IllegalArgumentException.class,
                () -> EpisodeSampler.withinGroups(test, SamplerConfig.of(48, 1, 1, 1), test::alphabet));
        assertTrue(none.getMessage().contains("'Malayalam', has 47"), none.getMessage());
        // validation: Inuktitut (16 characters) is skipped for 20-way episodes
        EpisodeSampler v = EpisodeSampler.withinGroups(val, SamplerConfig.of(20, 1, 1, 1), val::alphabet);
        assertEquals(List.of("Balinese", "Early_Aramaic", "Mkhedruli_(Georgian)", "Tifinagh"), v.groups());
    }
}
