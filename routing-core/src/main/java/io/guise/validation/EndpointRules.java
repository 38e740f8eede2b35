package io.guise.validation;

import io.guise.proto.Endpoint;
import java.util.List;

/** Checks the fields of one endpoint. Stateless, so thread-safe. */
final class EndpointRules {

    static final String ADDRESS_RULE = "an IP literal or a hostname of RFC 1123 labels of at most 253 characters";

    static final int MAX_TIER = 15;
    static final int MAX_WEIGHT = 10_000;
    static final int MAX_REGION_CHARS = 64;

    private EndpointRules() {}

    static void check(Endpoint endpoint, String path, List<Violation> out) {
        final String address = endpoint.getAddress();
        if (!Names.isIpLiteral(address) && !Names.isHostname(address)) {
            out.add(Violation.ofString(path + ".address", address, ADDRESS_RULE));
        }
        if (endpoint.getPort() < 0 || endpoint.getPort() > 65535) {
            out.add(Violation.ofLong(path + ".port", endpoint.getPort(),
                    "0-65535, where 0 means the port of the persona that uses the endpoint"));
        }
        final String pool = endpoint.getPool();
        if (!pool.isEmpty() && !Names.isId(pool)) {
            out.add(Violation.ofString(path + ".pool", pool, "empty or " + Names.ID_RULE));
        }
        if (endpoint.getTier() < 0 || endpoint.getTier() > MAX_TIER) {
            out.add(Violation.ofLong(path + ".tier", endpoint.getTier(), "0-" + MAX_TIER));
        }
        if (endpoint.hasWeight() && (endpoint.getWeight() < 0 || endpoint.getWeight() > MAX_WEIGHT)) {
            out.add(Violation.ofLong(path + ".weight", endpoint.getWeight(),
                    "0-" + MAX_WEIGHT + ", where 0 drains the endpoint"));
        }
        if (endpoint.getRegion().length() > MAX_REGION_CHARS) {
            out.add(Violation.ofString(path + ".region", endpoint.getRegion(),
                    "at most " + MAX_REGION_CHARS + " characters"));
        }
    }
}
