package org.dl4jmeta.model;

import java.util.List;
import org.dl4jmeta.registry.Registry;

/**
 * The registry of {@link Loss}es by {@link Loss#id()}: the built-in ones (this library's
 * {@code META-INF/services/org.dl4jmeta.model.Loss}) and any a user adds by a service file or {@link #register}.
 * Model files store a network's loss by id and restore it through this registry. Losses are stateless, so the
 * registered instance is shared. Thread-safe.
 */
public final class Losses {

    private static final Registry<Loss> REGISTRY = new Registry<>(Loss.class, "loss", Loss::id);

    private Losses() {
    }

    /**
     * @param loss a stateless loss
     * @throws IllegalArgumentException if its id is taken by a loss of another class
     */
    public static void register(Loss loss) {
        REGISTRY.register(loss);
    }

    /**
     * @param id a loss id, e.g. from a model file
     * @return the loss
     * @throws IllegalArgumentException naming the id and the losses found
     */
    public static Loss get(String id) {
        return REGISTRY.get(id);
    }

    /** @return the registered ids, sorted */
    public static List<String> ids() {
        return REGISTRY.ids();
    }
}
