package io.guise.accesspoint;

import io.guise.proto.UpstreamSettings;

/** Upstream limits with their defaults filled in. Immutable. */
record UpstreamSettingsValues(int connectTimeoutMillis, long responseTimeoutMillis, int maxIdlePerEndpoint,
                              int maxBodyBytes) {

    static final int DEFAULT_CONNECT_TIMEOUT_MILLIS = 2000;
    static final int DEFAULT_RESPONSE_TIMEOUT_MILLIS = 30_000;
    static final int DEFAULT_MAX_IDLE_PER_ENDPOINT = 64;
    static final int DEFAULT_MAX_BODY_BYTES = 8 * 1024 * 1024;

    static UpstreamSettingsValues of(UpstreamSettings settings) {
        return new UpstreamSettingsValues(
                orDefault(settings.getConnectTimeoutMs(), DEFAULT_CONNECT_TIMEOUT_MILLIS),
                orDefault(settings.getResponseTimeoutMs(), DEFAULT_RESPONSE_TIMEOUT_MILLIS),
                orDefault(settings.getMaxIdlePerEndpoint(), DEFAULT_MAX_IDLE_PER_ENDPOINT),
                orDefault(settings.getMaxBodyBytes(), DEFAULT_MAX_BODY_BYTES));
    }

    private static int orDefault(int value, int defaultValue) {
        return value > 0 ? value : defaultValue;
    }
}
