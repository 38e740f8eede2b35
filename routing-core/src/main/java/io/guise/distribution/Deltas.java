package io.guise.distribution;

import static java.util.Objects.requireNonNull;

import io.guise.proto.Delta;
import io.guise.proto.Endpoint;
import io.guise.proto.Persona;
import io.guise.proto.RoutingSnapshot;
import io.guise.proto.SubsetEntry;
import io.guise.subset.CidrPrefix;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Pure functions over routing snapshots and deltas, shared by the manager and the
 * access points: apply a delta, compute the delta between two snapshots, and
 * coalesce consecutive deltas. Resources are keyed by persona id, endpoint id and
 * the canonical form of a subset prefix. Thread-safe (stateless).
 */
public final class Deltas {

    private Deltas() {
    }

    /** A delta that does not start at the revision it is applied to. */
    public static final class RevisionGapException extends Exception {
        private static final long serialVersionUID = 1L;

        RevisionGapException(long held, long from) {
            super("delta starts at revision " + from + " but revision " + held + " is held");
        }
    }

    /** Returns the canonical key of a subset entry; a prefix that does not parse is its own key. */
    public static String subsetKey(String prefix) {
        try {
            return CidrPrefix.parse(prefix).toString();
        } catch (IllegalArgumentException e) {
            return prefix;
        }
    }

    /**
     * Returns {@code base} with {@code delta} applied, at {@code delta.to_revision}.
     * Upserted resources keep their position when they exist and are appended
     * otherwise; removing a resource that does not exist is not an error.
     *
     * @throws RevisionGapException when {@code delta.from_revision} is not the revision of {@code base}
     */
    public static RoutingSnapshot apply(RoutingSnapshot base, Delta delta) throws RevisionGapException {
        requireNonNull(base, "base");
        requireNonNull(delta, "delta");
        if (delta.getFromRevision() != base.getRevision()) {
            throw new RevisionGapException(base.getRevision(), delta.getFromRevision());
        }
        return RoutingSnapshot.newBuilder()
                .setRevision(delta.getToRevision())
                .addAllPersonas(merge(base.getPersonasList(), delta.getUpsertedPersonasList(),
                                      delta.getRemovedPersonasList(), Persona::getId))
                .addAllEndpoints(merge(base.getEndpointsList(), delta.getUpsertedEndpointsList(),
                                       delta.getRemovedEndpointsList(), Endpoint::getId))
                .addAllSubsets(merge(base.getSubsetsList(), delta.getUpsertedSubsetsList(),
                                     canonical(delta.getRemovedSubsetsList()),
                                     entry -> subsetKey(entry.getPrefix())))
                .build();
    }

    /** Returns the delta that turns {@code from} into {@code to}: changed or new resources, and removals. */
    public static Delta diff(RoutingSnapshot from, RoutingSnapshot to) {
        requireNonNull(from, "from");
        requireNonNull(to, "to");
        final Delta.Builder delta = Delta.newBuilder()
                .setFromRevision(from.getRevision())
                .setToRevision(to.getRevision());
        diff(from.getPersonasList(), to.getPersonasList(), Persona::getId,
             delta::addUpsertedPersonas, delta::addRemovedPersonas);
        diff(from.getEndpointsList(), to.getEndpointsList(), Endpoint::getId,
             delta::addUpsertedEndpoints, delta::addRemovedEndpoints);
        diff(from.getSubsetsList(), to.getSubsetsList(), entry -> subsetKey(entry.getPrefix()),
             delta::addUpsertedSubsets, delta::addRemovedSubsets);
        return delta.build();
    }

    /**
     * Coalesces consecutive deltas into one: each resource ends in its final state,
     * an upsert or a removal.
     *
     * @throws IllegalArgumentException when the deltas are empty or not consecutive
     */
    public static Delta coalesce(List<Delta> deltas) {
        if (deltas.isEmpty()) {
            throw new IllegalArgumentException("no deltas to coalesce");
        }
        final Map<String, Object> personas = new LinkedHashMap<>();
        final Map<String, Object> endpoints = new LinkedHashMap<>();
        final Map<String, Object> subsets = new LinkedHashMap<>();
        long expectedFrom = deltas.get(0).getFromRevision();
        for (Delta delta : deltas) {
            if (delta.getFromRevision() != expectedFrom) {
                throw new IllegalArgumentException("delta from revision " + delta.getFromRevision()
                                                   + " does not follow revision " + expectedFrom);
            }
            expectedFrom = delta.getToRevision();
            record(personas, delta.getUpsertedPersonasList(), delta.getRemovedPersonasList(), Persona::getId);
            record(endpoints, delta.getUpsertedEndpointsList(), delta.getRemovedEndpointsList(), Endpoint::getId);
            record(subsets, delta.getUpsertedSubsetsList(), canonical(delta.getRemovedSubsetsList()),
                   entry -> subsetKey(entry.getPrefix()));
        }
        final Delta.Builder result = Delta.newBuilder()
                .setFromRevision(deltas.get(0).getFromRevision())
                .setToRevision(expectedFrom);
        personas.forEach((id, state) -> {
            if (state instanceof Persona) {
                result.addUpsertedPersonas((Persona) state);
            } else {
                result.addRemovedPersonas(id);
            }
        });
        endpoints.forEach((id, state) -> {
            if (state instanceof Endpoint) {
                result.addUpsertedEndpoints((Endpoint) state);
            } else {
                result.addRemovedEndpoints(id);
            }
        });
        subsets.forEach((key, state) -> {
            if (state instanceof SubsetEntry) {
                result.addUpsertedSubsets((SubsetEntry) state);
            } else {
                result.addRemovedSubsets(key);
            }
        });
        return result.build();
    }

    /** Returns whether a delta changes nothing. */
    public static boolean isEmpty(Delta delta) {
        return delta.getUpsertedPersonasCount() == 0 && delta.getUpsertedEndpointsCount() == 0
               && delta.getUpsertedSubsetsCount() == 0 && delta.getRemovedPersonasCount() == 0
               && delta.getRemovedEndpointsCount() == 0 && delta.getRemovedSubsetsCount() == 0;
    }

    private static final Object REMOVED = new Object();

    private static <T> void record(Map<String, Object> states, List<T> upserts, List<String> removals,
                                   Function<T, String> key) {
        for (String removed : removals) {
            states.remove(removed);
            states.put(removed, REMOVED);
        }
        for (T upsert : upserts) {
            states.remove(key.apply(upsert));
            states.put(key.apply(upsert), upsert);
        }
    }

    private static <T> List<T> merge(List<T> base, List<T> upserts, List<String> removals, Function<T, String> key) {
        final Map<String, T> result = new LinkedHashMap<>();
        for (T item : base) {
            result.put(key.apply(item), item);
        }
        for (String removed : removals) {
            result.remove(removed);
        }
        for (T upsert : upserts) {
            result.put(key.apply(upsert), upsert);
        }
        return new ArrayList<>(result.values());
    }

    private static <T> void diff(List<T> from, List<T> to, Function<T, String> key,
                                 java.util.function.Consumer<T> upsert, java.util.function.Consumer<String> remove) {
        final Map<String, T> before = new LinkedHashMap<>();
        for (T item : from) {
            before.put(key.apply(item), item);
        }
        for (T item : to) {
            final T previous = before.remove(key.apply(item));
            if (!item.equals(previous)) {
                upsert.accept(item);
            }
        }
        before.keySet().forEach(remove);
    }

    private static List<String> canonical(List<String> prefixes) {
        final List<String> keys = new ArrayList<>(prefixes.size());
        for (String prefix : prefixes) {
            keys.add(subsetKey(prefix));
        }
        return keys;
    }
}
