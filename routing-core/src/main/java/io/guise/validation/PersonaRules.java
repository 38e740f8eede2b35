package io.guise.validation;

import io.guise.proto.Persona;
import io.guise.proto.RateLimit;
import io.guise.subset.CidrPrefix;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;

/** Checks the fields of one persona. Stateless apart from the TLS capabilities, so thread-safe. */
final class PersonaRules {

    // 2001-09-09T01:46:40Z in milliseconds since the Unix epoch.
    private static final long MIN_EXPIRY_MILLIS = 1_000_000_000_000L;

    static final String ADDRESS_RULE = "an IP literal, a hostname of RFC 1123 labels of at most 253 characters,"
            + " or an endpoint pool name of " + Names.ID_RULE;

    /** Maximum of simulated_latency_ms and of jitter_ms, one hour each. */
    static final long MAX_DELAY_MS = 3_600_000;

    /** Maximum of rate_limit.requests_per_second and of rate_limit.burst. */
    static final int MAX_RATE_LIMIT = 1_000_000;

    static final int MAX_SERVICE_TAGS = 64;
    static final int MAX_TAG_VALUE_CHARS = 256;

    private static final Pattern TAG_KEY = Pattern.compile("[A-Za-z0-9._/-]{1,63}");

    private final TlsCapabilities tls;

    PersonaRules(TlsCapabilities tls) {
        this.tls = tls;
    }

    void check(Persona persona, String path, List<Violation> out) {
        checkAddress(persona, path, out);
        if (persona.getPort() < 1 || persona.getPort() > 65535) {
            out.add(Violation.ofLong(path + ".port", persona.getPort(), "1-65535"));
        }
        checkTls(persona, path, out);
        checkFaults(persona, path, out);
        if (persona.hasRateLimit()) {
            checkRateLimit(persona.getRateLimit(), path + ".rate_limit", out);
        }
        checkServiceTags(persona.getServiceTagsMap(), path + ".service_tags", out);
    }

    private static void checkAddress(Persona persona, String path, List<Violation> out) {
        final String family = persona.getAddressFamily();
        final boolean ipv4 = family.equals("IPv4");
        final boolean ipv6 = family.equals("IPv6");
        if (!ipv4 && !ipv6) {
            out.add(Violation.ofString(path + ".address_family", family, "\"IPv4\" or \"IPv6\""));
        }

        final String address = persona.getAddress();
        final String addressPath = path + ".address";
        if (Names.isIpLiteral(address)) {
            // IPv4-mapped IPv6 text such as ::ffff:10.0.0.1 counts as IPv6.
            if (ipv4 && !CidrPrefix.isIpv4Literal(address)) {
                out.add(Violation.ofString(addressPath, address,
                        "an IPv4 literal, because address_family is \"IPv4\", or a hostname or pool name"));
            } else if (ipv6 && !CidrPrefix.isIpv6Literal(address)) {
                out.add(Violation.ofString(addressPath, address,
                        "an IPv6 literal, because address_family is \"IPv6\", or a hostname or pool name"));
            }
            return;
        }
        final boolean valid = !Names.looksLikeIpLiteral(address)
                && (Names.isHostname(address) || Names.isId(address));
        if (!valid) {
            out.add(Violation.ofString(addressPath, address, ADDRESS_RULE));
        }
    }

    private void checkTls(Persona persona, String path, List<Violation> out) {
        final String version = persona.getTlsVersion();
        final List<String> suites = persona.getCipherSuitesList();
        final String suitesPath = path + ".cipher_suites";

        checkDuplicateSuites(suites, suitesPath, out);
        if (version.isEmpty()) {
            if (!suites.isEmpty()) {
                out.add(new Violation(suitesPath, listText(suites),
                        "an empty list, because tls_version is \"\", which means plaintext"));
            }
            return;
        }
        if (!tls.protocols().contains(version)) {
            out.add(Violation.ofString(path + ".tls_version", version,
                    tlsVersionChoices()));
            return;
        }

        final Set<String> supported = tls.suitesFor(version);
        if (suites.isEmpty()) {
            out.add(new Violation(suitesPath, "[]",
                    "at least one " + version + " cipher suite, from: " + String.join(", ", supported)));
            return;
        }
        for (int i = 0; i < suites.size(); i++) {
            final String suite = suites.get(i);
            if (!supported.contains(suite)) {
                out.add(Violation.ofString(suitesPath + "[" + i + "]", suite,
                        "a " + version + " cipher suite that this access point supports: "
                                + String.join(", ", supported)));
            }
        }
    }

    /** Lists the valid tls_version values, such as {@code "" for plaintext, "TLSv1.2" or "TLSv1.3"}. */
    private String tlsVersionChoices() {
        final List<String> choices = new ArrayList<>();
        choices.add("\"\" for plaintext");
        for (String protocol : new TreeSet<>(tls.protocols())) {
            choices.add("\"" + protocol + "\"");
        }
        if (choices.size() == 1) {
            return choices.get(0) + ", because this access point supports no TLS version";
        }
        final String last = choices.remove(choices.size() - 1);
        return String.join(", ", choices) + " or " + last;
    }

    private static void checkDuplicateSuites(List<String> suites, String suitesPath, List<Violation> out) {
        final Map<String, Integer> firstIndex = new HashMap<>();
        for (int i = 0; i < suites.size(); i++) {
            final Integer first = firstIndex.putIfAbsent(suites.get(i), i);
            if (first != null) {
                out.add(Violation.ofString(suitesPath + "[" + i + "]", suites.get(i),
                        "each suite once, but cipher_suites[" + first + "] is the same"));
            }
        }
    }

    private static void checkFaults(Persona persona, String path, List<Violation> out) {
        if (persona.getPriority() < 0 || persona.getPriority() > 1000) {
            out.add(Violation.ofLong(path + ".priority", persona.getPriority(), "0-1000"));
        }
        checkDelay(persona.getSimulatedLatencyMs(), path + ".simulated_latency_ms", out);
        checkDelay(persona.getJitterMs(), path + ".jitter_ms", out);
        final long expiresAt = persona.getFaultExpiresAtMs();
        // Any real expiry in milliseconds is past 2001. A smaller positive value is almost surely a time in
        // seconds, which would read as 1970 and silently switch the persona's faults off.
        if (expiresAt < 0 || expiresAt > 0 && expiresAt < MIN_EXPIRY_MILLIS) {
            out.add(Violation.ofLong(path + ".fault_expires_at_ms", expiresAt,
                    "0 for never, or milliseconds since the Unix epoch from 1000000000000 (2001-09-09) on;"
                    + " a time in seconds is 1000 times too small"));
        }

        final double errorRate = persona.getErrorRatePercent();
        if (!(errorRate >= 0 && errorRate <= 100)) { // also true for NaN
            out.add(Violation.ofDouble(path + ".error_rate_percent", errorRate,
                    "a finite percentage from 0 to 100, such as 0.1"));
        }

        final int status = persona.getErrorStatus();
        if (status != 0 && (status < 400 || status > 599)) {
            out.add(Violation.ofLong(path + ".error_status", status, "0 for 503, or 400-599"));
        }

        final String action = persona.getL4ErrorAction();
        if (!action.isEmpty() && !action.equals("reset") && !action.equals("close")) {
            out.add(Violation.ofString(path + ".l4_error_action", action,
                    "\"\" or \"reset\" for a TCP RST, or \"close\" for an orderly FIN"));
        }
    }

    private static void checkRateLimit(RateLimit limit, String path, List<Violation> out) {
        if (limit.getRequestsPerSecond() <= 0) {
            out.add(Violation.ofLong(path + ".requests_per_second", limit.getRequestsPerSecond(), "> 0"));
        } else if (limit.getRequestsPerSecond() > MAX_RATE_LIMIT) {
            out.add(Violation.ofLong(path + ".requests_per_second", limit.getRequestsPerSecond(),
                    "at most " + MAX_RATE_LIMIT + "; leave rate_limit out for no limit"));
        }
        if (limit.getBurst() < 1 || limit.getBurst() > MAX_RATE_LIMIT) {
            out.add(Violation.ofLong(path + ".burst", limit.getBurst(), "1-" + MAX_RATE_LIMIT));
        }
    }

    private static void checkDelay(long delayMillis, String path, List<Violation> out) {
        if (delayMillis < 0 || delayMillis > MAX_DELAY_MS) {
            out.add(Violation.ofLong(path, delayMillis,
                    "0-" + MAX_DELAY_MS + " milliseconds, capped at one hour to keep timers sane"));
        }
    }

    private static void checkServiceTags(Map<String, String> tags, String path, List<Violation> out) {
        if (tags.size() > MAX_SERVICE_TAGS) {
            out.add(new Violation(path, tags.size() + " entries", "at most " + MAX_SERVICE_TAGS + " entries"));
        }
        // Sorted, so that the report does not depend on map order.
        for (Map.Entry<String, String> tag : new TreeMap<>(tags).entrySet()) {
            final String tagPath = path + "[" + Violation.quote(tag.getKey()) + "]";
            if (!TAG_KEY.matcher(tag.getKey()).matches()) {
                out.add(Violation.ofString(tagPath, tag.getKey(), "a key of 1-63 characters of [A-Za-z0-9._/-]"));
            }
            if (tag.getValue().length() > MAX_TAG_VALUE_CHARS) {
                out.add(Violation.ofString(tagPath, tag.getValue(),
                        "a value of at most " + MAX_TAG_VALUE_CHARS + " characters"));
            }
        }
    }

    /** Formats a list of strings as a JSON array, quoting and cutting each entry. */
    static String listText(List<String> values) {
        final List<String> quoted = new ArrayList<>(values.size());
        for (String value : values) {
            quoted.add(Violation.quote(value));
        }
        return "[" + String.join(", ", quoted) + "]";
    }
}
