package org.dl4jmeta.registry;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Providers of one kind (layer types, losses, learner types) by id: those that {@link ServiceLoader} finds on the
 * class path under {@code META-INF/services/<service class name>}, loaded on first use, plus those added with
 * {@link #register}. Built-in and user-provided ones are found the same way; nothing else lists them.
 *
 * <p>Thread-safe. Registering a provider whose id is taken by one of another class is an error; registering the
 * same class again is a no-op, so a user may register in every test or at every start.
 *
 * @param <P> the provider type
 */
public final class Registry<P> {

    private final Class<P> service;
    private final String kind;
    private final Function<? super P, String> id;
    private final Map<String, P> byId = new TreeMap<>();
    private boolean loaded;

    /**
     * @param service the provider interface, the name of its {@code META-INF/services} file
     * @param kind what a provider is, for messages, e.g. "layer type"
     * @param id a provider's id, as stored in model files
     */
    public Registry(Class<P> service, String kind, Function<? super P, String> id) {
        this.service = Objects.requireNonNull(service, "service");
        this.kind = Objects.requireNonNull(kind, "kind");
        this.id = Objects.requireNonNull(id, "id");
    }

    private void load() {
        if (loaded) {
            return;
        }
        loaded = true;
        ClassLoader cl = Thread.currentThread().getContextClassLoader();
        for (P p : ServiceLoader.load(service, cl == null ? Registry.class.getClassLoader() : cl)) {
            add(p);
        }
    }

    private void add(P provider) {
        String key = Objects.requireNonNull(id.apply(provider), () -> kind + " provider "
                + provider.getClass().getName() + " has a null id");
        if (key.isBlank()) {
            throw new IllegalArgumentException(kind + " provider " + provider.getClass().getName()
                    + " has a blank id");
        }
        P old = byId.get(key);
        if (old != null && old.getClass() != provider.getClass()) {
            throw new IllegalArgumentException(kind + " id '" + key + "' of " + provider.getClass().getName()
                    + " is already taken by " + old.getClass().getName() + "; give the new one another id");
        }
        if (old == null) {
            byId.put(key, provider);
        }
    }

    /**
     * Adds a provider (for users who prefer code to a service file).
     *
     * @param provider the provider
     * @throws IllegalArgumentException if its id is blank or taken by a provider of another class
     */
    public synchronized void register(P provider) {
        Objects.requireNonNull(provider, "provider");
        load();
        add(provider);
    }

    /**
     * @param key an id
     * @return the provider with that id, if any
     */
    public synchronized Optional<P> find(String key) {
        load();
        return Optional.ofNullable(byId.get(key));
    }

    /**
     * @param key an id, e.g. from a model file
     * @return the provider
     * @throws IllegalArgumentException naming the id and the providers found
     */
    public P get(String key) {
        return find(key).orElseThrow(() -> new IllegalArgumentException("unknown " + kind + " '" + key + "'; "
                + found()));
    }

    /** @return every provider, ordered by id */
    public synchronized List<P> all() {
        load();
        return List.copyOf(byId.values());
    }

    /** @return every id, sorted */
    public synchronized List<String> ids() {
        load();
        return List.copyOf(new ArrayList<>(byId.keySet()));
    }

    /**
     * @return the sentence that error messages end with: the ids found and where providers come from
     */
    public String found() {
        return kind + "s found: " + String.join(", ", ids()) + " (providers in META-INF/services/"
                + service.getName() + " or registered in code)";
    }
}
