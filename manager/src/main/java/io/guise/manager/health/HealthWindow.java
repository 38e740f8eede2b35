package io.guise.manager.health;

import java.util.Map;

/**
 * The figures of one closed manager window: per endpoint id and per persona id,
 * summed over every access point that reported in it. Immutable maps; the
 * histograms inside belong to the window.
 *
 * @param endpoints figures by endpoint id; endpoints that no access point reported are absent
 * @param personas figures by persona id; personas that no access point reported are absent
 */
public record HealthWindow(Map<String, EndpointWindow> endpoints, Map<String, ArmWindow> personas) {

    public HealthWindow {
        endpoints = Map.copyOf(endpoints);
        personas = Map.copyOf(personas);
    }

    /** Returns the endpoints' figures as the demotion policy takes them. */
    public Map<String, WindowStats> endpointStats() {
        final java.util.HashMap<String, WindowStats> stats = new java.util.HashMap<>();
        endpoints.forEach((id, window) -> stats.put(id, window.toStats()));
        return stats;
    }
}
