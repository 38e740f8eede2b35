package io.guise.validation;

import io.guise.proto.ActiveHealthCheck;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Checks the active health checks of an access point config. Stateless, so thread-safe. */
final class HealthCheckRules {

    private HealthCheckRules() {}

    static void check(List<ActiveHealthCheck> checks, List<Violation> out) {
        final Map<String, Integer> firstIndex = new HashMap<>();
        for (int i = 0; i < checks.size(); i++) {
            final ActiveHealthCheck check = checks.get(i);
            final String path = "health_checks[" + i + "]";
            final String pool = check.getPool();
            if (!Names.isId(pool)) {
                out.add(Violation.ofString(path + ".pool", pool, "an endpoint pool name of " + Names.ID_RULE));
            } else {
                final Integer first = firstIndex.putIfAbsent(pool, i);
                if (first != null) {
                    out.add(Violation.ofString(path + ".pool", pool,
                            "one check per pool, but health_checks[" + first + "] checks it already"));
                }
            }
            if (!check.getType().equals("TCP") && !check.getType().equals("HTTP")) {
                out.add(Violation.ofString(path + ".type", check.getType(),
                        "\"TCP\" for a connect or \"HTTP\" for a GET of path"));
            }
            if (!check.getPath().isEmpty() && !check.getPath().startsWith("/")) {
                out.add(Violation.ofString(path + ".path", check.getPath(),
                        "a path starting with \"/\", or empty for \"/\""));
            }
            final int status = check.getExpectedStatus();
            if (status != 0 && (status < 100 || status > 599)) {
                out.add(Violation.ofLong(path + ".expected_status", status, "100-599, or 0 for 200"));
            }
            AccessPointRules.checkNotNegative(check.getIntervalMs(), path + ".interval_ms", "5000", out);
            AccessPointRules.checkNotNegative(check.getTimeoutMs(), path + ".timeout_ms", "1000", out);
            AccessPointRules.checkNotNegative(check.getHealthyThreshold(), path + ".healthy_threshold", "2", out);
            AccessPointRules.checkNotNegative(check.getUnhealthyThreshold(), path + ".unhealthy_threshold", "3",
                    out);
        }
    }
}
