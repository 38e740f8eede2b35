package io.guise.bench;

import io.guise.proto.Endpoint;
import io.guise.proto.Persona;
import io.guise.proto.RoutingSnapshot;
import io.guise.proto.SubsetEntry;

/**
 * Routing state shared by the benchmarks that need a large table: personas spread
 * over endpoint pools, and one /32 subset per persona, so that every persona is
 * reachable as it would be on an access point that serves it. Stateless.
 */
final class RoutingFixtures {

    /** Endpoints in each pool: two in tier 0 and two in tier 1. */
    static final int ENDPOINTS_PER_POOL = 4;

    private RoutingFixtures() {
    }

    /**
     * Returns a snapshot at {@code revision} with {@code personaCount} personas over
     * {@code poolCount} pools of {@value #ENDPOINTS_PER_POOL} loopback endpoints, and
     * one subset per persona in 10.0.0.0/8.
     */
    static RoutingSnapshot snapshot(long revision, int personaCount, int poolCount) {
        final RoutingSnapshot.Builder snapshot = RoutingSnapshot.newBuilder().setRevision(revision);
        for (int pool = 0; pool < poolCount; pool++) {
            for (int member = 0; member < ENDPOINTS_PER_POOL; member++) {
                snapshot.addEndpoints(Endpoint.newBuilder()
                        .setId("pool-" + pool + "-" + member)
                        .setPool("pool-" + pool)
                        .setAddress("127.0.0.1")
                        .setPort(20_000 + pool * ENDPOINTS_PER_POOL + member)
                        .setTier(member / 2));
            }
        }
        for (int i = 0; i < personaCount; i++) {
            snapshot.addPersonas(persona(i, "pool-" + (i % poolCount), 100));
            snapshot.addSubsets(SubsetEntry.newBuilder().setPrefix(subsetPrefix(i)).setPersona(personaId(i)));
        }
        return snapshot.build();
    }

    /** Returns {@code base} at {@code revision} with persona {@code index} given a new priority. */
    static RoutingSnapshot withChangedPersona(RoutingSnapshot base, long revision, int index, int priority) {
        final Persona changed = base.getPersonas(index).toBuilder().setPriority(priority).build();
        return base.toBuilder().setRevision(revision).setPersonas(index, changed).build();
    }

    static String personaId(int index) {
        return "persona-" + index;
    }

    /** Returns a plaintext persona that injects nothing. */
    static Persona persona(int index, String pool, int priority) {
        return Persona.newBuilder()
                .setId(personaId(index))
                .setAddressFamily("IPv4")
                .setAddress(pool)
                .setPort(8080)
                .setPriority(priority)
                .putServiceTags("team", "edge")
                .build();
    }

    /** Returns the /32 of persona {@code index}: 10.0.0.1 for 0, counting up from there. */
    static String subsetPrefix(int index) {
        final int host = index + 1;
        return "10." + (host >>> 16 & 0xFF) + "." + (host >>> 8 & 0xFF) + "." + (host & 0xFF) + "/32";
    }
}
