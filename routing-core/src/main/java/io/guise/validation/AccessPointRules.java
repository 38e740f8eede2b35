package io.guise.validation;

import io.guise.distribution.ManagerAddress;
import io.guise.proto.AccessPointConfig;
import io.guise.proto.AdminListener;
import io.guise.proto.Listener;
import io.guise.proto.LocalEjection;
import io.guise.proto.ManagerLink;
import io.guise.proto.PoolBalancing;
import io.guise.proto.RetryPolicy;
import io.guise.proto.TlsKeyMaterial;
import io.guise.proto.UpstreamSettings;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Checks the parts of an access point config that a routing snapshot lacks:
 * its id, listeners, admin listener, TLS key files, upstream settings,
 * manager link, local ejection, retry and pool balancing settings, and active
 * health checks.
 * Stateless, so thread-safe.
 */
final class AccessPointRules {

    private static final String IP_LITERAL_RULE = "an IP literal such as 127.0.0.1 or ::1";

    private AccessPointRules() {}

    static void check(AccessPointConfig config, List<Violation> out) {
        if (!config.getId().isEmpty() && !Names.isId(config.getId())) {
            out.add(Violation.ofString("id", config.getId(), "empty or " + Names.ID_RULE));
        }

        final List<Binding> bindings = new ArrayList<>();
        for (int i = 0; i < config.getListenersCount(); i++) {
            checkListener(config.getListeners(i), "listeners[" + i + "]", bindings, out);
        }
        if (config.hasAdmin()) {
            checkAdmin(config.getAdmin(), bindings, out);
        }
        if (config.hasTls()) {
            checkTlsFiles(config.getTls(), out);
        }
        if (config.hasUpstream()) {
            checkUpstream(config.getUpstream(), out);
        }
        if (config.hasManager()) {
            checkManager(config.getManager(), out);
        }
        if (config.hasAdmission()) {
            checkNotNegative(config.getAdmission().getMaxConcurrentRequests(), "admission.max_concurrent_requests",
                    "unlimited", out);
            checkNotNegative(config.getAdmission().getQueueLimit(), "admission.queue_limit",
                    "no queue", out);
        }
        if (config.hasLocalEjection()) {
            checkLocalEjection(config.getLocalEjection(), out);
        }
        if (config.hasRetries()) {
            checkRetries(config.getRetries(), out);
        }
        checkPoolBalancing(config.getPoolBalancingList(), out);
        HealthCheckRules.check(config.getHealthChecksList(), out);
    }

    private static void checkRetries(RetryPolicy retries, List<Violation> out) {
        if (retries.getMaxAttempts() < 0 || retries.getMaxAttempts() > 5) {
            out.add(Violation.ofLong("retries.max_attempts", retries.getMaxAttempts(),
                    "0-5 attempts including the first, where 0 means 2"));
        }
        if (retries.getBudgetPercent() < 0 || retries.getBudgetPercent() > 100) {
            out.add(Violation.ofLong("retries.budget_percent", retries.getBudgetPercent(),
                    "0-100, where 0 means 20"));
        }
        checkNotNegative(retries.getMinRetriesPerSecond(), "retries.min_retries_per_second", "10", out);
    }

    private static void checkPoolBalancing(List<PoolBalancing> entries, List<Violation> out) {
        final Map<String, Integer> firstIndex = new HashMap<>();
        for (int i = 0; i < entries.size(); i++) {
            final PoolBalancing entry = entries.get(i);
            final String path = "pool_balancing[" + i + "]";
            if (entry.getPool().isEmpty()) {
                out.add(Violation.ofString(path + ".pool", "", "the name of a pool, as in Endpoint.pool"));
            } else {
                final Integer first = firstIndex.putIfAbsent(entry.getPool(), i);
                if (first != null) {
                    out.add(Violation.ofString(path + ".pool", entry.getPool(),
                            "at most one entry per pool, but pool_balancing[" + first + "] names it"));
                }
            }
            if (!entry.getPolicy().equals("WEIGHTED_RANDOM") && !entry.getPolicy().equals("P2C_EWMA")) {
                out.add(Violation.ofString(path + ".policy", entry.getPolicy(),
                        "\"WEIGHTED_RANDOM\" or \"P2C_EWMA\""));
            }
            checkNotNegative(entry.getDecayMs(), path + ".decay_ms", "10000", out);
        }
    }

    private static void checkLocalEjection(LocalEjection ejection, List<Violation> out) {
        checkNotNegative(ejection.getConsecutiveFailures(), "local_ejection.consecutive_failures", "5", out);
        checkNotNegative(ejection.getBaseEjectionMs(), "local_ejection.base_ejection_ms", "30000", out);
        checkNotNegative(ejection.getMaxEjectionMs(), "local_ejection.max_ejection_ms", "300000", out);
        final int base = ejection.getBaseEjectionMs() == 0 ? 30_000 : ejection.getBaseEjectionMs();
        final int max = ejection.getMaxEjectionMs() == 0 ? 300_000 : ejection.getMaxEjectionMs();
        if (ejection.getMaxEjectionMs() >= 0 && base > 0 && max < base) {
            out.add(Violation.ofLong("local_ejection.max_ejection_ms", ejection.getMaxEjectionMs(),
                    "at least base_ejection_ms (" + base + "), where 0 means 300000"));
        }
        if (ejection.getMaxEjectionPercent() < 0 || ejection.getMaxEjectionPercent() > 100) {
            out.add(Violation.ofLong("local_ejection.max_ejection_percent", ejection.getMaxEjectionPercent(),
                    "0-100, where 0 means 50"));
        }
        if (ejection.getJitterPercent() < 0 || ejection.getJitterPercent() > 50) {
            out.add(Violation.ofLong("local_ejection.jitter_percent", ejection.getJitterPercent(),
                    "0-50, where 0 means 10"));
        }
    }

    private static void checkManager(ManagerLink manager, List<Violation> out) {
        try {
            ManagerAddress.parse(manager.getAddress());
        } catch (IllegalArgumentException e) {
            out.add(Violation.ofString("manager.address", manager.getAddress(), ManagerAddress.RULE));
        }
        for (int i = 0; i < manager.getReplicaAddressesCount(); i++) {
            final String replica = manager.getReplicaAddresses(i);
            try {
                ManagerAddress.parse(replica);
            } catch (IllegalArgumentException e) {
                out.add(Violation.ofString("manager.replica_addresses[" + i + "]", replica, ManagerAddress.RULE));
            }
        }
        if (!manager.getStateFile().isEmpty() && manager.getStateFile().isBlank()) {
            out.add(Violation.ofString("manager.state_file", manager.getStateFile(),
                    "empty to disable persistence, or a file path"));
        }
        checkNotNegative(manager.getReconnectInitialMs(), "manager.reconnect_initial_ms", "100", out);
        checkNotNegative(manager.getReconnectMaxMs(), "manager.reconnect_max_ms", "10000", out);
        if (manager.getReconnectInitialMs() > 0 && manager.getReconnectMaxMs() > 0
                && manager.getReconnectMaxMs() < manager.getReconnectInitialMs()) {
            out.add(Violation.ofLong("manager.reconnect_max_ms", manager.getReconnectMaxMs(),
                    "at least reconnect_initial_ms (" + manager.getReconnectInitialMs() + "), or 0 for 10000"));
        }
        checkNotNegative(manager.getHealthIntervalMs(), "manager.health_interval_ms", "1000", out);
        checkNotNegative(manager.getFaultSafetyTimeoutMs(), "manager.fault_safety_timeout_ms", "30000", out);
        if (manager.hasTls()) {
            ControlTlsRules.check(manager.getTls(), out);
        }
    }

    private static void checkListener(Listener listener, String path, List<Binding> bindings,
                                      List<Violation> out) {
        if (!listener.getMode().equals("L4") && !listener.getMode().equals("L7")) {
            out.add(Violation.ofString(path + ".mode", listener.getMode(),
                    "\"L4\" for a TCP relay or \"L7\" for an HTTP/1.1 proxy"));
        }
        final boolean validPort = listener.getPort() >= 0 && listener.getPort() <= 65535;
        if (!validPort) {
            out.add(Violation.ofLong(path + ".port", listener.getPort(),
                    "0-65535, where 0 lets the operating system pick a port"));
        }
        if (listener.getAddressesCount() == 0) {
            out.add(new Violation(path + ".addresses", "[]", "at least one IP literal, such as 127.0.0.1 or ::1"));
        }
        for (int j = 0; j < listener.getAddressesCount(); j++) {
            final String address = listener.getAddresses(j);
            final String addressPath = path + ".addresses[" + j + "]";
            if (!Names.isIpLiteral(address)) {
                out.add(Violation.ofString(addressPath, address, IP_LITERAL_RULE));
            } else if (validPort) {
                bind(new Binding(addressPath, address, listener.getPort()), bindings, out);
            }
        }
    }

    private static void checkAdmin(AdminListener admin, List<Binding> bindings, List<Violation> out) {
        final boolean validPort = admin.getPort() >= 0 && admin.getPort() <= 65535;
        if (!validPort) {
            out.add(Violation.ofLong("admin.port", admin.getPort(), "0-65535, where 0 picks a free port"));
        }
        final String address = admin.getAddress();
        if (!address.isEmpty() && !Names.isIpLiteral(address)) {
            out.add(Violation.ofString("admin.address", address, "empty for 127.0.0.1, or " + IP_LITERAL_RULE));
        } else if (validPort) {
            bind(new Binding("admin.address", address.isEmpty() ? "127.0.0.1" : address, admin.getPort()),
                    bindings, out);
        }
    }

    /** Records a binding, reporting it when an earlier one binds the same address and port. */
    private static void bind(Binding binding, List<Binding> bindings, List<Violation> out) {
        if (binding.port != 0) {
            for (Binding earlier : bindings) {
                if (earlier.port == binding.port && earlier.overlaps(binding)) {
                    out.add(Violation.ofString(binding.path, binding.address, "an address and port not bound "
                            + "elsewhere, but " + earlier.path + " binds " + earlier.address + " port "
                            + earlier.port));
                    return;
                }
            }
        }
        bindings.add(binding);
    }

    private static void checkTlsFiles(TlsKeyMaterial tls, List<Violation> out) {
        final boolean hasCertificate = !tls.getCertificateFile().isEmpty();
        final boolean hasKey = !tls.getPrivateKeyFile().isEmpty();
        if (hasCertificate && !hasKey) {
            out.add(Violation.ofString("tls.private_key_file", "",
                    "a PEM PKCS#8 key file, because certificate_file is set"));
        }
        if (hasKey && !hasCertificate) {
            out.add(Violation.ofString("tls.certificate_file", "",
                    "a PEM certificate chain file, because private_key_file is set"));
        }
    }

    private static void checkUpstream(UpstreamSettings upstream, List<Violation> out) {
        checkNotNegative(upstream.getConnectTimeoutMs(), "upstream.connect_timeout_ms", "2000", out);
        checkNotNegative(upstream.getResponseTimeoutMs(), "upstream.response_timeout_ms", "30000", out);
        checkNotNegative(upstream.getMaxIdlePerEndpoint(), "upstream.max_idle_per_endpoint", "64", out);
        checkNotNegative(upstream.getMaxBodyBytes(), "upstream.max_body_bytes", "8388608", out);
    }

    static void checkNotNegative(int value, String path, String defaultValue, List<Violation> out) {
        if (value < 0) {
            out.add(Violation.ofLong(path, value, "an integer >= 0, where 0 means " + defaultValue));
        }
    }

    /** A socket address a listener binds, with the path of the field that names it. */
    private static final class Binding {
        final String path;
        final String address;
        final int port;
        final byte[] bytes;

        Binding(String path, String address, int port) {
            this.path = path;
            this.address = address;
            this.port = port;
            this.bytes = toBytes(address);
        }

        /**
         * Returns whether both bindings claim one socket address. A wildcard address
         * (0.0.0.0 or ::) claims every address of its family, and :: claims IPv4
         * addresses too, because Linux binds it dual-stack by default.
         */
        boolean overlaps(Binding other) {
            if (Arrays.equals(bytes, other.bytes)) {
                return true;
            }
            return claimsAll(this, other) || claimsAll(other, this);
        }

        private static boolean claimsAll(Binding wildcard, Binding other) {
            if (!isWildcard(wildcard.bytes)) {
                return false;
            }
            return wildcard.bytes.length == 16 || other.bytes.length == 4;
        }

        private static boolean isWildcard(byte[] bytes) {
            for (byte b : bytes) {
                if (b != 0) {
                    return false;
                }
            }
            return true;
        }

        private static byte[] toBytes(String literal) {
            try {
                // Callers pass IP literals only, so this performs no DNS lookup.
                return InetAddress.getByName(literal).getAddress();
            } catch (UnknownHostException e) {
                throw new IllegalStateException("not an IP literal: " + literal, e);
            }
        }
    }
}
