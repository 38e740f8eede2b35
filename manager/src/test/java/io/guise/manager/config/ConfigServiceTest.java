package io.guise.manager.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.guise.manager.config.ConfigWriteException.Reason;
import io.guise.manager.store.InMemoryRevisionStore;
import io.guise.proto.Endpoint;
import io.guise.proto.Persona;
import io.guise.proto.RevisionRecord;
import io.guise.proto.RoutingSnapshot;
import io.guise.proto.SubsetEntry;
import io.guise.validation.RoutingValidator;
import io.guise.validation.TlsCapabilities;
import io.guise.validation.Violation;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class ConfigServiceTest {

    private static final OptionalLong ANY = OptionalLong.empty();

    private InMemoryRevisionStore store;
    private ConfigService service;
    private final List<RevisionRecord> committed = new ArrayList<>();

    @BeforeEach
    void setUp() {
        store = new InMemoryRevisionStore(100);
        service = new ConfigService(store, new RoutingValidator(TlsCapabilities.jdk()),
                                    Clock.fixed(Instant.parse("2025-01-01T00:00:00Z"), ZoneOffset.UTC));
        service.addCommitListener(committed::add);
    }

    static Persona persona(String id) {
        return Persona.newBuilder().setId(id).setAddressFamily("IPv4").setAddress("web").setPort(8081)
                .setPriority(100).build();
    }

    static Endpoint endpoint(String id) {
        return Endpoint.newBuilder().setId(id).setAddress("127.0.0.1").setPort(8081).setPool("web").build();
    }

    static SubsetEntry subset(String prefix, String persona) {
        return SubsetEntry.newBuilder().setPrefix(prefix).setPersona(persona).build();
    }

    @Test
    void revisionIncreasesByOnePerChange() throws Exception {
        assertThat(service.upsertPersona(persona("web"), ANY)).isEqualTo(new WriteResult(1, true));
        assertThat(service.upsertEndpoint(endpoint("web-1"), ANY)).isEqualTo(new WriteResult(2, true));
        assertThat(service.upsertSubset(subset("10.0.0.0/8", "web"), ANY)).isEqualTo(new WriteResult(3, true));
        assertThat(service.upsertPersona(persona("web").toBuilder().setPriority(5).build(), ANY))
                .isEqualTo(new WriteResult(4, true));

        assertThat(store.latestRevision()).isEqualTo(4);
        assertThat(service.current().getPersonas(0).getPriority()).isEqualTo(5);
    }

    @Test
    void unchangedWriteMakesNoRevision() throws Exception {
        service.upsertPersona(persona("web"), ANY);

        final WriteResult again = service.upsertPersona(persona("web"), ANY);

        assertThat(again).isEqualTo(new WriteResult(1, false));
        assertThat(store.latestRevision()).isEqualTo(1);
        assertThat(committed).hasSize(1);
    }

    @Test
    void staleIfMatchRejected() throws Exception {
        service.upsertPersona(persona("web"), ANY);
        service.upsertPersona(persona("api"), ANY);

        final ConfigWriteException e = catchThrowableOfType(ConfigWriteException.class,
                () -> service.upsertPersona(persona("db"), OptionalLong.of(1)));

        assertThat(e.reason()).isEqualTo(Reason.STALE_REVISION);
        assertThat(e).hasMessageContaining("expected revision 1").hasMessageContaining("newest is 2");
        assertThat(store.latestRevision()).isEqualTo(2);
        assertThat(service.upsertPersona(persona("db"), OptionalLong.of(2)).revision()).isEqualTo(3);
    }

    @Test
    void invalidPersonaListsEveryViolation() {
        final Persona bad = persona("web").toBuilder().setPort(70000).setPriority(5000).build();

        final ConfigWriteException e = catchThrowableOfType(ConfigWriteException.class,
                () -> service.upsertPersona(bad, ANY));

        assertThat(e.reason()).isEqualTo(Reason.INVALID);
        assertThat(e.violations()).extracting(Violation::path).contains("port", "priority");
        assertThat(e.violations()).extracting(Violation::value).contains("70000", "5000");
        assertThat(store.latestRevision()).isZero();
        assertThat(committed).isEmpty();
    }

    @Test
    void deleteReferencedPersonaConflicts() throws Exception {
        service.upsertPersona(persona("web"), ANY);
        service.upsertSubset(subset("10.0.0.0/8", "web"), ANY);
        service.upsertSubset(subset("192.168.0.0/16", "web"), ANY);

        final ConfigWriteException e = catchThrowableOfType(ConfigWriteException.class,
                () -> service.deletePersona("web", ANY));

        assertThat(e.reason()).isEqualTo(Reason.CONFLICT);
        assertThat(e).hasMessageContaining("10.0.0.0/8").hasMessageContaining("192.168.0.0/16");
        assertThat(store.latestRevision()).isEqualTo(3);
    }

    @Test
    void deleteUnknownIsNotFound() {
        assertThatThrownBy(() -> service.deletePersona("missing", ANY))
                .isInstanceOfSatisfying(ConfigWriteException.class,
                                        e -> assertThat(e.reason()).isEqualTo(Reason.NOT_FOUND));
        assertThatThrownBy(() -> service.deleteEndpoint("missing", ANY))
                .isInstanceOfSatisfying(ConfigWriteException.class,
                                        e -> assertThat(e.reason()).isEqualTo(Reason.NOT_FOUND));
        assertThatThrownBy(() -> service.deleteSubset("10.0.0.0/8", ANY))
                .isInstanceOfSatisfying(ConfigWriteException.class,
                                        e -> assertThat(e.reason()).isEqualTo(Reason.NOT_FOUND));
        assertThat(store.latestRevision()).isZero();
    }

    @Test
    void applyIsAllOrNothing() {
        final RoutingSnapshot document = RoutingSnapshot.newBuilder()
                .addPersonas(persona("web"))
                .addPersonas(persona("api").toBuilder().setPort(0))
                .addEndpoints(endpoint("web-1"))
                .addSubsets(subset("10.0.0.0/8", "web"))
                .build();

        final ConfigWriteException e = catchThrowableOfType(ConfigWriteException.class,
                () -> service.apply(document, false, ANY));

        assertThat(e.reason()).isEqualTo(Reason.INVALID);
        assertThat(e.violations()).extracting(Violation::path).contains("personas[1].port");
        assertThat(store.latestRevision()).isZero();
        assertThat(service.current().getPersonasCount()).isZero();
        assertThat(committed).isEmpty();
    }

    @Test
    void applyWithPruneDeletesUnlisted() throws Exception {
        service.apply(RoutingSnapshot.newBuilder()
                              .addPersonas(persona("web"))
                              .addPersonas(persona("old"))
                              .addEndpoints(endpoint("web-1"))
                              .addEndpoints(endpoint("web-2"))
                              .build(), false, ANY);
        final RoutingSnapshot smaller = RoutingSnapshot.newBuilder()
                .addPersonas(persona("web"))
                .addEndpoints(endpoint("web-1"))
                .build();

        final WriteResult kept = service.apply(smaller, false, ANY);
        final WriteResult pruned = service.apply(smaller, true, ANY);

        assertThat(kept).isEqualTo(new WriteResult(1, false));
        assertThat(pruned).isEqualTo(new WriteResult(2, true));
        assertThat(service.current().getPersonasList()).extracting(Persona::getId).containsExactly("web");
        assertThat(service.current().getEndpointsList()).extracting(Endpoint::getId).containsExactly("web-1");
    }

    @Test
    void commitListenerCalledInOrder() throws Exception {
        service.upsertPersona(persona("web"), ANY);
        service.upsertPersona(persona("api"), ANY);
        assertThatThrownBy(() -> service.upsertPersona(persona("bad").toBuilder().setPort(-1).build(), ANY))
                .isInstanceOf(ConfigWriteException.class);
        service.upsertPersona(persona("api"), ANY);
        service.deletePersona("web", ANY);

        assertThat(committed).extracting(RevisionRecord::getRevision).containsExactly(1L, 2L, 3L);
        assertThat(committed.get(2).getDelta().getRemovedPersonasList()).containsExactly("web");
        assertThat(committed.get(0).getCommitTimeMs()).isEqualTo(Instant.parse("2025-01-01T00:00:00Z")
                                                                         .toEpochMilli());
    }
}
