package io.guise.validation;

import static java.util.Objects.requireNonNull;

import io.guise.proto.AccessPointConfig;
import io.guise.proto.Endpoint;
import io.guise.proto.Persona;
import io.guise.proto.RoutingSnapshot;
import io.guise.proto.SubsetEntry;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Checks routing snapshots and access point configs against the rules that the
 * comments of {@code guise/v1/routing.proto} and {@code access_point.proto} state,
 * and against what this access point's TLS provider can serve. Reports every
 * violation at once, in document order, and never throws on content.
 *
 * <p>Immutable and thread-safe.
 */
public final class RoutingValidator {

    private final PersonaRules personaRules;

    public RoutingValidator(TlsCapabilities tls) {
        this.personaRules = new PersonaRules(requireNonNull(tls, "tls"));
    }

    /** Returns every violation in the snapshot, or an empty list when it is valid. */
    public List<Violation> validate(RoutingSnapshot snapshot) {
        requireNonNull(snapshot, "snapshot");
        final List<Violation> out = new ArrayList<>();
        if (snapshot.getRevision() < 0) {
            out.add(Violation.ofLong("revision", snapshot.getRevision(), "an integer >= 0"));
        }
        checkRouting(snapshot.getPersonasList(), snapshot.getEndpointsList(), snapshot.getSubsetsList(), out);
        return List.copyOf(out);
    }

    /**
     * Returns every violation in the config, or an empty list when it is valid. The
     * personas, endpoints and subsets follow the same rules, with the same paths,
     * as in a {@link RoutingSnapshot}.
     */
    public List<Violation> validate(AccessPointConfig config) {
        requireNonNull(config, "config");
        final List<Violation> out = new ArrayList<>();
        AccessPointRules.check(config, out);
        checkRouting(config.getPersonasList(), config.getEndpointsList(), config.getSubsetsList(), out);
        return List.copyOf(out);
    }

    private void checkRouting(List<Persona> personas, List<Endpoint> endpoints, List<SubsetEntry> subsets,
                              List<Violation> out) {
        final Map<String, Integer> personaIndex = new HashMap<>();
        for (int i = 0; i < personas.size(); i++) {
            checkId(personas.get(i).getId(), "personas", i, personaIndex, out);
            personaRules.check(personas.get(i), "personas[" + i + "]", out);
        }

        final Map<String, Integer> endpointIndex = new HashMap<>();
        for (int i = 0; i < endpoints.size(); i++) {
            checkId(endpoints.get(i).getId(), "endpoints", i, endpointIndex, out);
            EndpointRules.check(endpoints.get(i), "endpoints[" + i + "]", out);
        }

        final Set<String> personaIds = new LinkedHashSet<>();
        for (Persona persona : personas) {
            if (!persona.getId().isEmpty()) {
                personaIds.add(persona.getId());
            }
        }
        SubsetRules.check(subsets, personaIds, "subsets", out);
    }

    /**
     * Checks that an id matches the id pattern and that no earlier item in the
     * list has it; {@code firstIndex} maps each id seen so far to its index.
     */
    private static void checkId(String id, String listPath, int index, Map<String, Integer> firstIndex,
                                List<Violation> out) {
        final String idPath = listPath + "[" + index + "].id";
        if (!Names.isId(id)) {
            out.add(Violation.ofString(idPath, id, Names.ID_RULE));
            return;
        }
        final Integer first = firstIndex.putIfAbsent(id, index);
        if (first != null) {
            out.add(Violation.ofString(idPath, id, "a unique id, but " + listPath + "[" + first + "] has it"));
        }
    }
}
