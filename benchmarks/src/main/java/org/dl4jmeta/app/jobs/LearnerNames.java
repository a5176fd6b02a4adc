package org.dl4jmeta.app.jobs;

import java.util.Iterator;
import org.dl4jmeta.algorithm.LearnerTypes;

/**
 * The learner names {@code --algo} accepts, read from the registry when the help is shown (picocli's
 * {@code ${COMPLETION-CANDIDATES}}), so the help lists user-registered learners too and spells out no list.
 */
public final class LearnerNames implements Iterable<String> {

    /** Creates the view (picocli instantiates it). */
    public LearnerNames() {
    }

    @Override
    public Iterator<String> iterator() {
        return LearnerTypes.names().iterator();
    }
}
