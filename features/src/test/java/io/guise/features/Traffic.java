package io.guise.features;

import io.guise.load.LoadObserver;
import io.guise.load.RequestResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * Every request outcome of a load run, in the order they arrived. Thread-safe: the
 * load generator reports from its event loop, and steps read after the run.
 */
final class Traffic implements LoadObserver {

    private final List<RequestResult> results = new ArrayList<>();

    @Override
    public synchronized void onResult(RequestResult result) {
        results.add(result);
    }

    synchronized List<RequestResult> results() {
        return List.copyOf(results);
    }

    List<RequestResult> of(String group) {
        return results().stream().filter(result -> result.group().equals(group)).toList();
    }

    long count(Predicate<RequestResult> condition) {
        return results().stream().filter(condition).count();
    }

    /** Returns, for each client of {@code group}, the personas that served it. */
    Map<Integer, Set<String>> personasByClient(String group) {
        final Map<Integer, Set<String>> byClient = new TreeMap<>();
        for (RequestResult result : of(group)) {
            byClient.computeIfAbsent(result.clientIndex(), client -> new TreeSet<>())
                    .add(String.valueOf(result.persona()));
        }
        return byClient;
    }

    /** Returns the number of requests each endpoint served. */
    Map<String, Long> byEndpoint() {
        final Map<String, Long> counts = new TreeMap<>();
        for (RequestResult result : results()) {
            if (result.endpoint() != null) {
                counts.merge(result.endpoint(), 1L, Long::sum);
            }
        }
        return counts;
    }
}
