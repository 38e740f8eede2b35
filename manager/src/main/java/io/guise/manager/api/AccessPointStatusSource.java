package io.guise.manager.api;

import java.util.List;
import java.util.Map;

/**
 * The source of {@code GET /access-points}: one JSON object per access point that
 * the manager tracks, such as its id, the revision it acknowledged and when it last
 * reported. The values must be types Jackson can write (strings, numbers, booleans,
 * lists and maps of them).
 *
 * <p>Implementations are thread-safe, because the admin API calls them from its
 * request threads.
 */
@FunctionalInterface
public interface AccessPointStatusSource {

    /** A source for a manager that distributes to no access points. */
    AccessPointStatusSource NONE = List::of;

    /** Returns the status of every known access point, in a stable order. */
    List<Map<String, Object>> accessPointStatuses();
}
