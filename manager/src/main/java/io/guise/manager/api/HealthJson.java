package io.guise.manager.api;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.guise.manager.health.DecisionRecord;
import io.guise.manager.health.DemotionSettings;
import io.guise.manager.health.EndpointHealth;
import java.util.List;

/**
 * Writes health decisions and endpoint health as the JSON of
 * {@code GET /health/decisions} and {@code GET /health/endpoints}, with
 * snake_case field names. Stateless and thread-safe.
 */
final class HealthJson {

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private HealthJson() {
    }

    static ArrayNode decisions(List<DecisionRecord> records) {
        final ArrayNode array = NODES.arrayNode();
        for (DecisionRecord record : records) {
            array.add(decision(record));
        }
        return array;
    }

    static ObjectNode decision(DecisionRecord record) {
        final ObjectNode node = NODES.objectNode()
                .put("time_ms", record.timeMillis())
                .put("action", record.action().label())
                .put("reason", record.reason())
                .put("outcome", record.outcome().label());
        if (record.revision() < 0) {
            node.putNull("revision");
        } else {
            node.put("revision", record.revision());
        }
        node.put("detail", record.detail());
        if (record.endpoint() != null) {
            final DecisionRecord.EndpointEvidence endpoint = record.endpoint();
            node.put("endpoint_id", endpoint.endpointId())
                    .put("pool", endpoint.pool())
                    .put("from_tier", endpoint.fromTier())
                    .put("to_tier", endpoint.toTier());
            final ObjectNode evidence = node.putObject("evidence")
                    .put("requests", endpoint.requests())
                    .put("failures", endpoint.failures())
                    .put("failure_percent", endpoint.failurePercent())
                    .put("p99_ms", endpoint.p99Millis())
                    .put("pool_median_p99_ms", endpoint.poolMedianP99Millis());
            final ArrayNode reporters = evidence.putArray("reporters");
            endpoint.reporters().forEach(reporters::add);
            final ArrayNode ejectedBy = evidence.putArray("ejected_by");
            endpoint.ejectedBy().forEach(ejectedBy::add);
            evidence.set("thresholds", thresholds(endpoint.thresholds()));
        } else {
            final DecisionRecord.CanaryEvidence canary = record.canary();
            node.put("prefix", canary.prefix())
                    .put("arm", canary.arm())
                    .put("control", canary.control())
                    .put("from_weight", canary.fromWeight())
                    .put("to_weight", canary.toWeight());
            final ObjectNode evidence = node.putObject("evidence");
            evidence.set("arm", arm(canary.armFigures()));
            evidence.set("control", arm(canary.controlFigures()));
            evidence.put("error_p_value", canary.errorPValue())
                    .put("latency_p_value", canary.latencyPValue());
        }
        return node;
    }

    static ObjectNode endpoints(EndpointHealth.LastWindow last) {
        final ObjectNode body = NODES.objectNode()
                .put("window", last.window())
                .put("window_end_ms", last.endMillis());
        final ArrayNode endpoints = body.putArray("endpoints");
        for (EndpointHealth endpoint : last.endpoints()) {
            final ObjectNode node = endpoints.addObject()
                    .put("endpoint_id", endpoint.endpointId())
                    .put("pool", endpoint.pool())
                    .put("tier", endpoint.tier())
                    .put("original_tier", endpoint.originalTier())
                    .put("demoted", endpoint.demoted());
            if (endpoint.hold() == null) {
                node.putNull("hold");
            } else {
                node.put("hold", endpoint.hold().label());
            }
            node.put("requests", endpoint.requests())
                    .put("failures", endpoint.failures())
                    .put("failure_percent", endpoint.failurePercent())
                    .put("p99_ms", endpoint.p99Millis());
            final ArrayNode reporters = node.putArray("reporters");
            endpoint.reporters().forEach(reporters::add);
        }
        return body;
    }

    static ObjectNode thresholds(DemotionSettings settings) {
        return NODES.objectNode()
                .put("min_requests", settings.minRequests())
                .put("max_error_rate_percent", settings.maxErrorRatePercent())
                .put("latency_outlier_factor", settings.latencyOutlierFactor())
                .put("min_latency_outlier_ms", settings.minLatencyOutlierMillis())
                .put("restore_after_windows", settings.restoreAfterWindows())
                .put("max_demoted_percent", settings.maxDemotedPercent())
                .put("min_healthy_in_best_tier", settings.minHealthyInBestTier());
    }

    private static ObjectNode arm(DecisionRecord.ArmFigures figures) {
        return NODES.objectNode()
                .put("successes", figures.successes())
                .put("failures", figures.failures())
                .put("timeouts", figures.timeouts())
                .put("requests", figures.requests())
                .put("failure_percent", figures.failurePercent())
                .put("p50_ms", figures.p50Millis())
                .put("p99_ms", figures.p99Millis())
                .put("injected_faults", figures.injectedFaults());
    }
}
