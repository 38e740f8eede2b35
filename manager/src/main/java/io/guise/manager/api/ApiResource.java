package io.guise.manager.api;

import com.google.protobuf.Message;
import io.guise.distribution.Deltas;
import io.guise.manager.config.ConfigService;
import io.guise.manager.config.ConfigWriteException;
import io.guise.manager.config.WriteResult;
import io.guise.proto.Endpoint;
import io.guise.proto.Persona;
import io.guise.proto.RoutingSnapshot;
import io.guise.proto.SubsetEntry;
import java.util.List;
import java.util.OptionalLong;

/**
 * The three resource collections of the admin API and how each maps to the routing
 * state: personas and endpoints are keyed by {@code id}, subsets by their canonical
 * prefix. Immutable.
 */
enum ApiResource {
    PERSONAS("personas", "persona", "id", Persona.getDefaultInstance()),
    ENDPOINTS("endpoints", "endpoint", "id", Endpoint.getDefaultInstance()),
    SUBSETS("subsets", "subset", "prefix", SubsetEntry.getDefaultInstance());

    private final String collection;
    private final String singular;
    private final String keyField;
    private final Message prototype;

    ApiResource(String collection, String singular, String keyField, Message prototype) {
        this.collection = collection;
        this.singular = singular;
        this.keyField = keyField;
        this.prototype = prototype;
    }

    /** Returns the collection name, which is also the first path segment and the snapshot field. */
    String collection() {
        return collection;
    }

    String singular() {
        return singular;
    }

    /** Returns the field that names a resource: "id", or "prefix" for subsets. */
    String keyField() {
        return keyField;
    }

    Message prototype() {
        return prototype;
    }

    /** Returns the resource whose collection is {@code name}, or null when there is none. */
    static ApiResource ofCollection(String name) {
        for (ApiResource resource : values()) {
            if (resource.collection.equals(name)) {
                return resource;
            }
        }
        return null;
    }

    /** Returns the canonical form of a key as it appears in a path or a body. */
    String canonicalKey(String key) {
        return this == SUBSETS ? Deltas.subsetKey(key) : key;
    }

    /** Returns the canonical key of a stored or submitted resource. */
    String keyOf(Message message) {
        return switch (this) {
            case PERSONAS -> ((Persona) message).getId();
            case ENDPOINTS -> ((Endpoint) message).getId();
            case SUBSETS -> Deltas.subsetKey(((SubsetEntry) message).getPrefix());
        };
    }

    /** Returns the key as the resource spells it, before canonicalization. */
    String rawKeyOf(Message message) {
        return this == SUBSETS ? ((SubsetEntry) message).getPrefix() : keyOf(message);
    }

    /** Returns the resource with its key field set to {@code key}. */
    Message withKey(Message message, String key) {
        return switch (this) {
            case PERSONAS -> ((Persona) message).toBuilder().setId(key).build();
            case ENDPOINTS -> ((Endpoint) message).toBuilder().setId(key).build();
            case SUBSETS -> ((SubsetEntry) message).toBuilder().setPrefix(key).build();
        };
    }

    List<? extends Message> list(RoutingSnapshot snapshot) {
        return switch (this) {
            case PERSONAS -> snapshot.getPersonasList();
            case ENDPOINTS -> snapshot.getEndpointsList();
            case SUBSETS -> snapshot.getSubsetsList();
        };
    }

    /** Returns the stored resource with the canonical {@code key}, or null when there is none. */
    Message find(RoutingSnapshot snapshot, String key) {
        for (Message message : list(snapshot)) {
            if (keyOf(message).equals(key)) {
                return message;
            }
        }
        return null;
    }

    WriteResult upsert(ConfigService service, Message message, OptionalLong expectedRevision)
            throws ConfigWriteException {
        return switch (this) {
            case PERSONAS -> service.upsertPersona((Persona) message, expectedRevision);
            case ENDPOINTS -> service.upsertEndpoint((Endpoint) message, expectedRevision);
            case SUBSETS -> service.upsertSubset((SubsetEntry) message, expectedRevision);
        };
    }

    WriteResult delete(ConfigService service, String key, OptionalLong expectedRevision)
            throws ConfigWriteException {
        return switch (this) {
            case PERSONAS -> service.deletePersona(key, expectedRevision);
            case ENDPOINTS -> service.deleteEndpoint(key, expectedRevision);
            case SUBSETS -> service.deleteSubset(key, expectedRevision);
        };
    }
}
