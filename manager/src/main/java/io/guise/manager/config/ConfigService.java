package io.guise.manager.config;

import static java.util.Objects.requireNonNull;

import io.guise.distribution.Deltas;
import io.guise.manager.config.ConfigWriteException.Reason;
import io.guise.manager.store.RevisionConflictException;
import io.guise.manager.store.RevisionStore;
import io.guise.proto.Delta;
import io.guise.proto.Endpoint;
import io.guise.proto.Persona;
import io.guise.proto.RevisionRecord;
import io.guise.proto.RoutingSnapshot;
import io.guise.proto.SplitArm;
import io.guise.proto.SubsetEntry;
import io.guise.validation.RoutingValidator;
import io.guise.validation.Violation;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The manager's write path: validates a change against the whole resulting routing
 * state, makes it durable as the next revision and notifies the listeners (the
 * distribution server) about it.
 *
 * <p>Thread-safe. Writes are serialized by one lock held from validation to the
 * durable append, so revisions are gapless and a rejected write leaves no trace: no
 * revision, no store write, no push. Reads take no lock.
 *
 * <p>With a store that several managers share, the state also advances when another
 * replica commits: the store applies that revision and announces it, and this service
 * passes it to its listeners. A write that loses the race for a revision to another
 * replica is recomputed on the newer state, or rejected as a stale revision when the
 * caller gave an expected revision.
 */
public final class ConfigService {

    private static final Logger logger = LoggerFactory.getLogger(ConfigService.class);

    /** Attempts of a write without an expected revision before it gives up on a busy shared store. */
    static final int MAX_CONFLICT_ATTEMPTS = 5;

    private final RevisionStore store;
    private final RoutingValidator validator;
    private final Clock clock;
    private final List<Consumer<RevisionRecord>> listeners = new CopyOnWriteArrayList<>();
    // True when the store announces every revision, this service's own writes included.
    private final boolean storeAnnounces;

    public ConfigService(RevisionStore store, RoutingValidator validator, Clock clock) {
        this.store = requireNonNull(store, "store");
        this.validator = requireNonNull(validator, "validator");
        this.clock = requireNonNull(clock, "clock");
        this.storeAnnounces = store.announceCommits(this::notifyListeners);
    }

    /** Returns the routing state at the newest revision. */
    public RoutingSnapshot current() {
        return store.latestSnapshot();
    }

    public String epoch() {
        return store.epoch();
    }

    public RevisionStore store() {
        return store;
    }

    /**
     * Registers a listener called, in revision order, after each revision is durable,
     * including revisions other replicas commit to a shared store.
     */
    public void addCommitListener(Consumer<RevisionRecord> listener) {
        listeners.add(requireNonNull(listener, "listener"));
    }

    public WriteResult upsertPersona(Persona persona, OptionalLong expectedRevision) throws ConfigWriteException {
        requireNonNull(persona, "persona");
        return write(expectedRevision, current -> {
            final RoutingSnapshot.Builder next = current.toBuilder().clearPersonas().addPersonas(persona);
            current.getPersonasList().stream().filter(p -> !p.getId().equals(persona.getId()))
                    .forEach(next::addPersonas);
            return new Candidate(next.build(), "personas[0].");
        });
    }

    public WriteResult upsertEndpoint(Endpoint endpoint, OptionalLong expectedRevision) throws ConfigWriteException {
        requireNonNull(endpoint, "endpoint");
        return write(expectedRevision, current -> {
            final RoutingSnapshot.Builder next = current.toBuilder().clearEndpoints().addEndpoints(endpoint);
            current.getEndpointsList().stream().filter(e -> !e.getId().equals(endpoint.getId()))
                    .forEach(next::addEndpoints);
            return new Candidate(next.build(), "endpoints[0].");
        });
    }

    public WriteResult upsertSubset(SubsetEntry subset, OptionalLong expectedRevision) throws ConfigWriteException {
        requireNonNull(subset, "subset");
        final String key = Deltas.subsetKey(subset.getPrefix());
        return write(expectedRevision, current -> {
            final RoutingSnapshot.Builder next = current.toBuilder().clearSubsets().addSubsets(subset);
            current.getSubsetsList().stream().filter(s -> !Deltas.subsetKey(s.getPrefix()).equals(key))
                    .forEach(next::addSubsets);
            return new Candidate(next.build(), "subsets[0].");
        });
    }

    /**
     * Deletes a persona.
     *
     * @throws ConfigWriteException {@link Reason#NOT_FOUND} for an unknown id, or
     *     {@link Reason#CONFLICT} naming the prefixes of subsets that still use it
     */
    public WriteResult deletePersona(String id, OptionalLong expectedRevision) throws ConfigWriteException {
        requireNonNull(id, "id");
        return write(expectedRevision, current -> {
            if (current.getPersonasList().stream().noneMatch(p -> p.getId().equals(id))) {
                throw new ConfigWriteException(Reason.NOT_FOUND, "persona '" + id + "' not found");
            }
            final List<String> users = subsetsUsing(current, id);
            if (!users.isEmpty()) {
                throw new ConfigWriteException(Reason.CONFLICT, "persona '" + id + "' is used by subsets " + users
                                                                + "; point them at another persona or delete them first");
            }
            final RoutingSnapshot.Builder next = current.toBuilder().clearPersonas();
            current.getPersonasList().stream().filter(p -> !p.getId().equals(id)).forEach(next::addPersonas);
            return new Candidate(next.build(), "");
        });
    }

    public WriteResult deleteEndpoint(String id, OptionalLong expectedRevision) throws ConfigWriteException {
        requireNonNull(id, "id");
        return write(expectedRevision, current -> {
            if (current.getEndpointsList().stream().noneMatch(e -> e.getId().equals(id))) {
                throw new ConfigWriteException(Reason.NOT_FOUND, "endpoint '" + id + "' not found");
            }
            final RoutingSnapshot.Builder next = current.toBuilder().clearEndpoints();
            current.getEndpointsList().stream().filter(e -> !e.getId().equals(id)).forEach(next::addEndpoints);
            return new Candidate(next.build(), "");
        });
    }

    public WriteResult deleteSubset(String prefix, OptionalLong expectedRevision) throws ConfigWriteException {
        requireNonNull(prefix, "prefix");
        final String key = Deltas.subsetKey(prefix);
        return write(expectedRevision, current -> {
            if (current.getSubsetsList().stream().noneMatch(s -> Deltas.subsetKey(s.getPrefix()).equals(key))) {
                throw new ConfigWriteException(Reason.NOT_FOUND, "subset '" + prefix + "' not found");
            }
            final RoutingSnapshot.Builder next = current.toBuilder().clearSubsets();
            current.getSubsetsList().stream().filter(s -> !Deltas.subsetKey(s.getPrefix()).equals(key))
                    .forEach(next::addSubsets);
            return new Candidate(next.build(), "");
        });
    }

    /**
     * Applies a whole config document atomically: every persona, endpoint and
     * subset in it is created or replaced. With {@code prune}, stored resources
     * that the document does not list are deleted. All or nothing: one violation
     * rejects the whole document. Violation paths index into the document.
     */
    public WriteResult apply(RoutingSnapshot document, boolean prune, OptionalLong expectedRevision)
            throws ConfigWriteException {
        requireNonNull(document, "document");
        return write(expectedRevision, current -> {
            // Document resources come first, so violation indexes match the document's own.
            final RoutingSnapshot.Builder next = RoutingSnapshot.newBuilder()
                    .addAllPersonas(document.getPersonasList())
                    .addAllEndpoints(document.getEndpointsList())
                    .addAllSubsets(document.getSubsetsList());
            if (!prune) {
                addMissing(next::addPersonas, current.getPersonasList(), document.getPersonasList(), Persona::getId);
                addMissing(next::addEndpoints, current.getEndpointsList(), document.getEndpointsList(),
                           Endpoint::getId);
                addMissing(next::addSubsets, current.getSubsetsList(), document.getSubsetsList(),
                           s -> Deltas.subsetKey(s.getPrefix()));
            }
            return new Candidate(next.build(), "");
        });
    }

    /** A proposed routing state and the path prefix to strip from its violations. */
    private record Candidate(RoutingSnapshot snapshot, String pathPrefix) {
    }

    @FunctionalInterface
    private interface Change {
        Candidate propose(RoutingSnapshot current) throws ConfigWriteException;
    }

    private synchronized WriteResult write(OptionalLong expectedRevision, Change change) throws ConfigWriteException {
        for (int attempt = 1; ; attempt++) {
            try {
                return writeOnce(expectedRevision, change);
            } catch (RevisionConflictException e) {
                if (expectedRevision.isPresent()) {
                    throw new ConfigWriteException(Reason.STALE_REVISION, "expected revision "
                                                                          + expectedRevision.getAsLong()
                                                                          + " but another manager committed first"
                                                                          + " and the newest is "
                                                                          + store.latestRevision()
                                                                          + ", so read the resource again and retry");
                }
                if (attempt >= MAX_CONFLICT_ATTEMPTS) {
                    throw new ConfigWriteException(Reason.STALE_REVISION, "other managers committed first "
                                                                          + attempt + " times in a row; the newest"
                                                                          + " revision is " + store.latestRevision()
                                                                          + ", so retry the write");
                }
                logger.info("Revision {} went to another manager first; recomputing the write on revision {}",
                            e.attemptedRevision(), store.latestRevision());
            }
        }
    }

    private WriteResult writeOnce(OptionalLong expectedRevision, Change change)
            throws ConfigWriteException, RevisionConflictException {
        final RoutingSnapshot current = store.latestSnapshot();
        final long latest = current.getRevision();
        if (expectedRevision.isPresent() && expectedRevision.getAsLong() != latest) {
            throw new ConfigWriteException(Reason.STALE_REVISION, "expected revision " + expectedRevision.getAsLong()
                                                                  + " but the newest is " + latest
                                                                  + ", so read the resource again and retry");
        }

        final Candidate candidate = change.propose(current);
        final List<Violation> violations = validator.validate(candidate.snapshot().toBuilder().setRevision(latest)
                                                                      .build());
        if (!violations.isEmpty()) {
            throw new ConfigWriteException(Reason.INVALID, violations.size() == 1 ? "1 violation"
                                                                                   : violations.size() + " violations",
                                           relativize(violations, candidate.pathPrefix()));
        }

        final RoutingSnapshot proposed = inStoredOrder(current, candidate.snapshot());
        final Delta diff = Deltas.diff(current, proposed.toBuilder().setRevision(latest + 1).build());
        if (Deltas.isEmpty(diff)) {
            return new WriteResult(latest, false);
        }

        final RevisionRecord record = RevisionRecord.newBuilder()
                .setRevision(latest + 1)
                .setCommitTimeMs(clock.millis())
                .setDelta(diff)
                .build();
        try {
            store.append(record);
        } catch (RevisionConflictException e) {
            throw e;
        } catch (IOException e) {
            logger.error("Appending revision {} to the store failed; the write is rejected", record.getRevision(), e);
            throw new UncheckedIOException("storing revision " + record.getRevision() + " failed", e);
        }

        logger.info("Committed revision {}: {} persona, {} endpoint, {} subset upserts; {} removals",
                    record.getRevision(), diff.getUpsertedPersonasCount(), diff.getUpsertedEndpointsCount(),
                    diff.getUpsertedSubsetsCount(), diff.getRemovedPersonasCount() + diff.getRemovedEndpointsCount()
                                                    + diff.getRemovedSubsetsCount());

        if (!storeAnnounces) {
            notifyListeners(record);
        }
        return new WriteResult(record.getRevision(), true);
    }

    private void notifyListeners(RevisionRecord record) {
        for (Consumer<RevisionRecord> listener : listeners) {
            try {
                listener.accept(record);
            } catch (RuntimeException e) {
                logger.warn("Commit listener failed for revision {}", record.getRevision(), e);
            }
        }
    }

    /**
     * Orders a proposed state like the stored one: existing resources keep their
     * place, new ones go last. Only the order differs from {@code proposed}.
     */
    private static RoutingSnapshot inStoredOrder(RoutingSnapshot current, RoutingSnapshot proposed) {
        return RoutingSnapshot.newBuilder()
                .addAllPersonas(reorder(current.getPersonasList(), proposed.getPersonasList(), Persona::getId))
                .addAllEndpoints(reorder(current.getEndpointsList(), proposed.getEndpointsList(), Endpoint::getId))
                .addAllSubsets(reorder(current.getSubsetsList(), proposed.getSubsetsList(),
                                       s -> Deltas.subsetKey(s.getPrefix())))
                .build();
    }

    private static <T> List<T> reorder(List<T> current, List<T> proposed, Function<T, String> key) {
        final Map<String, T> remaining = new LinkedHashMap<>();
        for (T item : proposed) {
            remaining.put(key.apply(item), item);
        }
        final List<T> ordered = new ArrayList<>(proposed.size());
        for (T item : current) {
            final T kept = remaining.remove(key.apply(item));
            if (kept != null) {
                ordered.add(kept);
            }
        }
        ordered.addAll(remaining.values());
        return ordered;
    }

    private static <T> void addMissing(Consumer<T> target, List<T> stored, List<T> document, Function<T, String> key) {
        final java.util.Set<String> listed = new java.util.HashSet<>();
        for (T item : document) {
            listed.add(key.apply(item));
        }
        for (T item : stored) {
            if (!listed.contains(key.apply(item))) {
                target.accept(item);
            }
        }
    }

    private static List<String> subsetsUsing(RoutingSnapshot snapshot, String personaId) {
        final List<String> prefixes = new ArrayList<>();
        for (SubsetEntry subset : snapshot.getSubsetsList()) {
            boolean uses = subset.getPersona().equals(personaId);
            for (SplitArm arm : subset.getSplit().getArmsList()) {
                uses |= arm.getPersona().equals(personaId);
            }
            if (uses) {
                prefixes.add(subset.getPrefix());
            }
        }
        return prefixes;
    }

    private static List<Violation> relativize(List<Violation> violations, String pathPrefix) {
        if (pathPrefix.isEmpty()) {
            return violations;
        }
        final List<Violation> relative = new ArrayList<>(violations.size());
        for (Violation violation : violations) {
            final String path = violation.path().startsWith(pathPrefix)
                    ? violation.path().substring(pathPrefix.length()) : violation.path();
            relative.add(new Violation(path, violation.value(), violation.rule()));
        }
        return relative;
    }
}
