package org.dl4jmeta.datasets.episode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Within-group episodes: every episode's classes come from one group, groups smaller than N are never drawn, no
 * qualifying group is refused naming the largest, episodes are a pure function of (seed, split, index), and uniform
 * episodes are unchanged by the option's existence.
 */
class WithinGroupEpisodesTest {

    /** 13 classes: group a has 5, b has 2, c has 6; one 2x2 image of value c per image. */
    private static InMemoryClassImageSet images() {
        List<String> names = new ArrayList<>();
        float[][] px = new float[13][];
        for (int c = 0; c < 13; c++) {
            names.add((c < 5 ? "a" : c < 7 ? "b" : "c") + "/class" + c);
            px[c] = new float[4 * 4];
            java.util.Arrays.fill(px[c], c);
        }
        return new InMemoryClassImageSet("groups", names, 1, 2, 2, px);
    }

    private static String group(InMemoryClassImageSet s, int c) {
        return s.className(c).substring(0, 1);
    }

    @Test
    void episodesDrawAllClassesFromOneQualifyingGroup() {
        InMemoryClassImageSet s = images();
        EpisodeSampler three = EpisodeSampler.withinGroups(s, SamplerConfig.of(3, 1, 1, 9), c -> group(s, c));
        assertEquals(List.of("a", "c"), three.groups(), "b has 2 classes: never drawn for 3-way episodes");
        Set<String> seen = new HashSet<>();
        for (long i = 0; i < 100; i++) {
            Set<String> g = new HashSet<>();
            for (int c : three.plan(i).classes()) {
                g.add(group(s, c));
            }
            assertEquals(1, g.size(), "episode " + i);
            seen.addAll(g);
            assertEquals(three.plan(i), EpisodeSampler.withinGroups(s, SamplerConfig.of(3, 1, 1, 9),
                    c -> group(s, c)).plan(i));
        }
        assertEquals(Set.of("a", "c"), seen);
        EpisodeSampler two = EpisodeSampler.withinGroups(s, SamplerConfig.of(2, 1, 1, 9), c -> group(s, c));
        assertEquals(List.of("a", "b", "c"), two.groups());
        assertNotEquals(three.plan(0), EpisodeSampler.withinGroups(s, SamplerConfig.of(3, 1, 1, 10),
                c -> group(s, c)).plan(0), "another seed, other episodes");
        // the episode's images are its plan's classes
        float[] support = three.episode(5).supportX().data().asFloat();
        int[] classes = three.plan(5).classes();
        for (int j = 0; j < 3; j++) {
            assertEquals(classes[j], support[j * 4], 0f);
        }
    }

    @Test
    void noQualifyingGroupIsRefusedNamingTheLargest() {
        InMemoryClassImageSet s = images();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> EpisodeSampler.withinGroups(s, SamplerConfig.of(7, 1, 1, 1), c -> group(s, c)));
        assertTrue(e.getMessage().contains("ways = 7") && e.getMessage().contains("'c', has 6"), e.getMessage());
    }

    @Test
    void uniformEpisodesStayAsTheyWere() {
        InMemoryClassImageSet s = images();
        EpisodeSampler uniform = new EpisodeSampler(s, SamplerConfig.of(3, 1, 1, 9));
        assertTrue(uniform.groups().isEmpty());
        Set<String> mixed = new HashSet<>();
        for (long i = 0; i < 50; i++) {
            Set<String> g = new HashSet<>();
            for (int c : uniform.plan(i).classes()) {
                g.add(group(s, c));
            }
            if (g.size() > 1) {
                mixed.add("episode " + i);
            }
        }
        assertTrue(mixed.size() > 10, "uniform episodes mix groups");
    }
}
