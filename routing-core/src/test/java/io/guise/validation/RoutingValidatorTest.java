package io.guise.validation;

import static org.assertj.core.api.Assertions.assertThat;

import io.guise.proto.AccessPointConfig;
import io.guise.proto.AdminListener;
import io.guise.proto.CanaryGuard;
import io.guise.proto.Endpoint;
import io.guise.proto.Listener;
import io.guise.proto.LocalEjection;
import io.guise.proto.Persona;
import io.guise.proto.RoutingSnapshot;
import io.guise.proto.Split;
import io.guise.proto.SplitArm;
import io.guise.proto.SubsetEntry;
import io.guise.proto.TlsKeyMaterial;
import io.guise.proto.UpstreamSettings;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class RoutingValidatorTest {

    private static final String TLS13_SUITES = "TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384";
    private static final String TLS12_SUITES =
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384";
    private static final String ID_RULE = "1-64 characters of [A-Za-z0-9._-]";

    private static final TlsCapabilities TLS = TlsCapabilities.of(
            Set.of("TLSv1.2", "TLSv1.3"),
            new LinkedHashSet<>(List.of(
                    "TLS_AES_128_GCM_SHA256",
                    "TLS_AES_256_GCM_SHA384",
                    "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
                    "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
                    "TLS_EMPTY_RENEGOTIATION_INFO_SCSV")));

    private final RoutingValidator validator = new RoutingValidator(TLS);

    /** Builds a snapshot that breaks no rule and sets most fields. */
    private static RoutingSnapshot baseline() {
        return RoutingSnapshot.newBuilder()
                .setRevision(7)
                .addPersonas(Persona.newBuilder()
                        .setId("web")
                        .setAddressFamily("IPv4")
                        .setAddress("web")
                        .setPort(8081)
                        .setPriority(100))
                .addPersonas(Persona.newBuilder()
                        .setId("secure")
                        .setAddressFamily("IPv6")
                        .setAddress("2001:db8::10")
                        .setPort(443)
                        .setTlsVersion("TLSv1.3")
                        .addCipherSuites("TLS_AES_128_GCM_SHA256")
                        .setPriority(1000)
                        .setSimulatedLatencyMs(5)
                        .setJitterMs(2)
                        .setErrorRatePercent(0.1)
                        .putServiceTags("team", "edge")
                        .setErrorStatus(503)
                        .setL4ErrorAction("close"))
                .addEndpoints(Endpoint.newBuilder()
                        .setId("web-1")
                        .setAddress("127.0.0.1")
                        .setPort(8081)
                        .setPool("web")
                        .setTier(0)
                        .setWeight(1)
                        .setRegion("eu-west")
                        .setHealthy(true))
                .addEndpoints(Endpoint.newBuilder()
                        .setId("secure-1")
                        .setAddress("secure.example.com")
                        .setPort(0))
                .addSubsets(SubsetEntry.newBuilder().setPrefix("10.0.0.0/8").setPersona("web"))
                .addSubsets(SubsetEntry.newBuilder()
                        .setPrefix("2001:db8::/32")
                        .setSplit(Split.newBuilder()
                                .addArms(SplitArm.newBuilder().setPersona("web").setWeight(90))
                                .addArms(SplitArm.newBuilder().setPersona("secure").setWeight(10))
                                .setHashSeed(42)))
                .build();
    }

    private static RoutingSnapshot withPersona(int index, UnaryOperator<Persona.Builder> change) {
        final RoutingSnapshot.Builder snapshot = baseline().toBuilder();
        change.apply(snapshot.getPersonasBuilder(index));
        return snapshot.build();
    }

    private static RoutingSnapshot withEndpoint(UnaryOperator<Endpoint.Builder> change) {
        final RoutingSnapshot.Builder snapshot = baseline().toBuilder();
        change.apply(snapshot.getEndpointsBuilder(0));
        return snapshot.build();
    }

    private static RoutingSnapshot withSubset(int index, UnaryOperator<SubsetEntry.Builder> change) {
        final RoutingSnapshot.Builder snapshot = baseline().toBuilder();
        change.apply(snapshot.getSubsetsBuilder(index));
        return snapshot.build();
    }

    private List<String> messages(RoutingSnapshot snapshot) {
        return validator.validate(snapshot).stream().map(Violation::toString).collect(Collectors.toList());
    }

    private List<String> messages(AccessPointConfig config) {
        return validator.validate(config).stream().map(Violation::toString).collect(Collectors.toList());
    }

    @Test
    void baseline_hasNoViolations() {
        assertThat(validator.validate(baseline())).isEmpty();
    }

    @Test
    void emptySnapshot_hasNoViolations() {
        assertThat(validator.validate(RoutingSnapshot.getDefaultInstance())).isEmpty();
    }

    @Test
    void revision_negative() {
        final RoutingSnapshot snapshot = baseline().toBuilder().setRevision(-1).build();
        assertThat(messages(snapshot)).containsExactly("revision: -1 (expected: an integer >= 0)");
    }

    @Test
    void violation_fieldsMatchMessage() {
        final Violation violation = validator.validate(withPersona(0, p -> p.setPort(70000))).get(0);
        assertThat(violation.path()).isEqualTo("personas[0].port");
        assertThat(violation.value()).isEqualTo("70000");
        assertThat(violation.rule()).isEqualTo("1-65535");
    }

    // Persona ids

    @ParameterizedTest
    @ValueSource(strings = {"", "web pool", "web/1", "é",
            "a1234567890123456789012345678901234567890123456789012345678901234"})
    void personaId_invalid(String id) {
        final RoutingSnapshot snapshot = withPersona(0, p -> p.setId(id));
        // Subsets still name "web", so the later references to it break too.
        assertThat(messages(snapshot)).startsWith("personas[0].id: \"" + id + "\" (expected: " + ID_RULE + ")");
    }

    @ParameterizedTest
    @ValueSource(strings = {"a", "web-2", "web_2", "Web.2",
            "a123456789012345678901234567890123456789012345678901234567890123"})
    void personaId_valid(String id) {
        final RoutingSnapshot snapshot = withPersona(1, p -> p.setId(id)).toBuilder()
                .removeSubsets(1)
                .build();
        assertThat(messages(snapshot)).isEmpty();
    }

    @Test
    void personaId_duplicateNamesFirstIndex() {
        final RoutingSnapshot snapshot = withPersona(1, p -> p.setId("web"));
        assertThat(messages(snapshot))
                .contains("personas[1].id: \"web\" (expected: a unique id, but personas[0] has it)");
    }

    // Persona address

    @Test
    void addressFamily_invalid() {
        final RoutingSnapshot snapshot = withPersona(0, p -> p.setAddressFamily("ipv4"));
        assertThat(messages(snapshot))
                .containsExactly("personas[0].address_family: \"ipv4\" (expected: \"IPv4\" or \"IPv6\")");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "web pool", "10.0.0.300", "1:2:3", "x/y", "10.0.0.1:80"})
    void personaAddress_invalid(String address) {
        final RoutingSnapshot snapshot = withPersona(0, p -> p.setAddress(address));
        assertThat(messages(snapshot)).containsExactly("personas[0].address: \"" + address + "\" (expected: "
                + "an IP literal, a hostname of RFC 1123 labels of at most 253 characters, or an endpoint pool "
                + "name of 1-64 characters of [A-Za-z0-9._-])");
    }

    @Test
    void personaAddress_hostnameTooLong() {
        final String label = "a".repeat(63);
        final String hostname = String.join(".", label, label, label, label); // 255 characters
        final RoutingSnapshot snapshot = withPersona(0, p -> p.setAddress(hostname));
        assertThat(validator.validate(snapshot)).extracting(Violation::path)
                .containsExactly("personas[0].address");
    }

    @ParameterizedTest
    @ValueSource(strings = {"web", "web_pool", "api.example.com", "example.com.", "10.0.0.1", "a-1.b-2"})
    void personaAddress_validForIpv4(String address) {
        final RoutingSnapshot snapshot = withPersona(0, p -> p.setAddress(address));
        assertThat(messages(snapshot)).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"::1", "2001:db8::1", "::ffff:10.0.0.1"})
    void personaAddress_ipv6LiteralUnderIpv4(String address) {
        final RoutingSnapshot snapshot = withPersona(0, p -> p.setAddress(address));
        assertThat(messages(snapshot)).containsExactly("personas[0].address: \"" + address + "\" (expected: an "
                + "IPv4 literal, because address_family is \"IPv4\", or a hostname or pool name)");
    }

    @Test
    void personaAddress_ipv4LiteralUnderIpv6() {
        final RoutingSnapshot snapshot = withPersona(1, p -> p.setAddress("10.0.0.1"));
        assertThat(messages(snapshot)).containsExactly("personas[1].address: \"10.0.0.1\" (expected: an "
                + "IPv6 literal, because address_family is \"IPv6\", or a hostname or pool name)");
    }

    @Test
    void personaAddress_mappedIpv6UnderIpv6() {
        final RoutingSnapshot snapshot = withPersona(1, p -> p.setAddress("::ffff:10.0.0.1"));
        assertThat(messages(snapshot)).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(ints = {0, -1, 65536, 70000})
    void personaPort_outOfRange(int port) {
        final RoutingSnapshot snapshot = withPersona(0, p -> p.setPort(port));
        assertThat(messages(snapshot)).containsExactly("personas[0].port: " + port + " (expected: 1-65535)");
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 80, 65535})
    void personaPort_valid(int port) {
        assertThat(messages(withPersona(0, p -> p.setPort(port)))).isEmpty();
    }

    // TLS

    @ParameterizedTest
    @ValueSource(strings = {"TLSv1.1", "TLSv1", "tlsv1.3", "SSLv3", "1.3"})
    void tlsVersion_unsupported(String version) {
        final RoutingSnapshot snapshot = withPersona(1, p -> p.setTlsVersion(version));
        assertThat(messages(snapshot)).containsExactly("personas[1].tls_version: \"" + version
                + "\" (expected: \"\" for plaintext, \"TLSv1.2\" or \"TLSv1.3\")");
    }

    @Test
    void tlsVersion_notOfferedByProvider() {
        final TlsCapabilities tls12Only = TlsCapabilities.of(Set.of("TLSv1.2"),
                Set.of("TLS_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"));
        final List<Violation> violations = new RoutingValidator(tls12Only).validate(baseline());
        assertThat(violations).extracting(Violation::toString).containsExactly(
                "personas[1].tls_version: \"TLSv1.3\" (expected: \"\" for plaintext or \"TLSv1.2\")");
    }

    @Test
    void tlsVersion_noneOfferedByProvider() {
        final TlsCapabilities none = TlsCapabilities.of(Set.of("TLSv1.1"), Set.of());
        final List<Violation> violations = new RoutingValidator(none).validate(baseline());
        assertThat(violations).extracting(Violation::toString).containsExactly("personas[1].tls_version: "
                + "\"TLSv1.3\" (expected: \"\" for plaintext, because this access point supports no TLS version)");
    }

    @Test
    void cipherSuites_emptyWithTls() {
        final RoutingSnapshot snapshot = withPersona(1, p -> p.clearCipherSuites());
        assertThat(messages(snapshot)).containsExactly("personas[1].cipher_suites: [] (expected: at least one "
                + "TLSv1.3 cipher suite, from: " + TLS13_SUITES + ")");
    }

    @Test
    void cipherSuites_tls12SuiteUnderTls13() {
        final RoutingSnapshot snapshot =
                withPersona(1, p -> p.addCipherSuites("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"));
        assertThat(messages(snapshot)).containsExactly("personas[1].cipher_suites[1]: "
                + "\"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256\" (expected: a TLSv1.3 cipher suite that this access "
                + "point supports: " + TLS13_SUITES + ")");
    }

    @Test
    void cipherSuites_tls13SuiteUnderTls12() {
        final RoutingSnapshot snapshot = withPersona(1, p -> p.setTlsVersion("TLSv1.2")
                .clearCipherSuites()
                .addCipherSuites("TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384")
                .addCipherSuites("TLS_AES_256_GCM_SHA384"));
        assertThat(messages(snapshot)).containsExactly("personas[1].cipher_suites[1]: \"TLS_AES_256_GCM_SHA384\" "
                + "(expected: a TLSv1.2 cipher suite that this access point supports: " + TLS12_SUITES + ")");
    }

    @ParameterizedTest
    @ValueSource(strings = {"TLS_CHACHA20_POLY1305_SHA256", "AES128-GCM-SHA256", ""})
    void cipherSuites_unsupportedOnePerSuite(String suite) {
        final RoutingSnapshot snapshot = withPersona(1, p -> p.addCipherSuites(suite).addCipherSuites(suite + "X"));
        assertThat(messages(snapshot)).containsExactly(
                "personas[1].cipher_suites[1]: \"" + suite + "\" (expected: a TLSv1.3 cipher suite that this "
                        + "access point supports: " + TLS13_SUITES + ")",
                "personas[1].cipher_suites[2]: \"" + suite + "X\" (expected: a TLSv1.3 cipher suite that this "
                        + "access point supports: " + TLS13_SUITES + ")");
    }

    @Test
    void cipherSuites_duplicate() {
        final RoutingSnapshot snapshot = withPersona(1, p -> p.addCipherSuites("TLS_AES_128_GCM_SHA256"));
        assertThat(messages(snapshot)).containsExactly("personas[1].cipher_suites[1]: \"TLS_AES_128_GCM_SHA256\" "
                + "(expected: each suite once, but cipher_suites[0] is the same)");
    }

    @Test
    void cipherSuites_setWithoutTls() {
        final RoutingSnapshot snapshot = withPersona(0, p -> p.addCipherSuites("TLS_AES_128_GCM_SHA256"));
        assertThat(messages(snapshot)).containsExactly("personas[0].cipher_suites: [\"TLS_AES_128_GCM_SHA256\"] "
                + "(expected: an empty list, because tls_version is \"\", which means plaintext)");
    }

    @Test
    void cipherSuites_tls12Valid() {
        final RoutingSnapshot snapshot = withPersona(1, p -> p.setTlsVersion("TLSv1.2")
                .clearCipherSuites()
                .addCipherSuites("TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384")
                .addCipherSuites("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"));
        assertThat(messages(snapshot)).isEmpty();
    }

    // Priority and faults

    @ParameterizedTest
    @ValueSource(ints = {-1, 1001})
    void priority_outOfRange(int priority) {
        final RoutingSnapshot snapshot = withPersona(0, p -> p.setPriority(priority));
        assertThat(messages(snapshot)).containsExactly("personas[0].priority: " + priority + " (expected: 0-1000)");
    }

    @ParameterizedTest
    @CsvSource({"simulated_latency_ms, -1", "simulated_latency_ms, 3600001", "jitter_ms, -1",
            "jitter_ms, 3600001"})
    void delay_outOfRange(String field, long millis) {
        final RoutingSnapshot snapshot = withPersona(0, p -> field.equals("jitter_ms")
                ? p.setJitterMs(millis) : p.setSimulatedLatencyMs(millis));
        assertThat(messages(snapshot)).containsExactly("personas[0]." + field + ": " + millis
                + " (expected: 0-3600000 milliseconds, capped at one hour to keep timers sane)");
    }

    @Test
    void delay_maxValid() {
        final RoutingSnapshot snapshot =
                withPersona(0, p -> p.setSimulatedLatencyMs(3_600_000).setJitterMs(3_600_000));
        assertThat(messages(snapshot)).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(doubles = {-0.1, 100.5, Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY})
    void errorRate_invalid(double rate) {
        final RoutingSnapshot snapshot = withPersona(0, p -> p.setErrorRatePercent(rate));
        assertThat(messages(snapshot)).containsExactly("personas[0].error_rate_percent: " + rate
                + " (expected: a finite percentage from 0 to 100, such as 0.1)");
    }

    @ParameterizedTest
    @ValueSource(doubles = {0, 0.1, 1, 100})
    void errorRate_valid(double rate) {
        assertThat(messages(withPersona(0, p -> p.setErrorRatePercent(rate)))).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(ints = {-1, 1, 200, 399, 600})
    void errorStatus_invalid(int status) {
        final RoutingSnapshot snapshot = withPersona(0, p -> p.setErrorStatus(status));
        assertThat(messages(snapshot)).containsExactly("personas[0].error_status: " + status
                + " (expected: 0 for 503, or 400-599)");
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 400, 503, 599})
    void errorStatus_valid(int status) {
        assertThat(messages(withPersona(0, p -> p.setErrorStatus(status)))).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"RST", "fin", "Reset", " reset"})
    void l4ErrorAction_invalid(String action) {
        final RoutingSnapshot snapshot = withPersona(0, p -> p.setL4ErrorAction(action));
        assertThat(messages(snapshot)).containsExactly("personas[0].l4_error_action: \"" + action
                + "\" (expected: \"\" or \"reset\" for a TCP RST, or \"close\" for an orderly FIN)");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "reset", "close"})
    void l4ErrorAction_valid(String action) {
        assertThat(messages(withPersona(0, p -> p.setL4ErrorAction(action)))).isEmpty();
    }

    // Service tags

    @Test
    void serviceTags_tooMany() {
        final RoutingSnapshot snapshot = withPersona(0, p -> {
            for (int i = 0; i < 65; i++) {
                p.putServiceTags("k" + i, "v");
            }
            return p;
        });
        assertThat(messages(snapshot))
                .containsExactly("personas[0].service_tags: 65 entries (expected: at most 64 entries)");
    }

    @Test
    void serviceTags_limitsValid() {
        final RoutingSnapshot snapshot = withPersona(0, p -> {
            for (int i = 0; i < 63; i++) {
                p.putServiceTags("k" + i, "v".repeat(256));
            }
            return p.putServiceTags("k".repeat(63), "a-Z_0.9/x");
        });
        assertThat(messages(snapshot)).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "a b", "team:name", "ключ",
            "k123456789012345678901234567890123456789012345678901234567890123"})
    void serviceTagKey_invalid(String key) {
        final RoutingSnapshot snapshot = withPersona(0, p -> p.putServiceTags(key, "v"));
        final String quoted = Violation.quote(key);
        assertThat(messages(snapshot)).containsExactly("personas[0].service_tags[" + quoted + "]: " + quoted
                + " (expected: a key of 1-63 characters of [A-Za-z0-9._/-])");
    }

    @Test
    void serviceTagValue_tooLong() {
        final RoutingSnapshot snapshot = withPersona(0, p -> p.putServiceTags("k", "v".repeat(257)));
        assertThat(messages(snapshot)).containsExactly("personas[0].service_tags[\"k\"]: \"" + "v".repeat(80)
                + "...\" (257 characters) (expected: a value of at most 256 characters)");
    }

    // Endpoints

    @Test
    void endpointId_invalid() {
        final RoutingSnapshot snapshot = withEndpoint(e -> e.setId(""));
        assertThat(messages(snapshot)).containsExactly("endpoints[0].id: \"\" (expected: " + ID_RULE + ")");
    }

    @Test
    void endpointId_duplicate() {
        final RoutingSnapshot snapshot = withEndpoint(e -> e.setId("secure-1"));
        assertThat(messages(snapshot))
                .containsExactly("endpoints[1].id: \"secure-1\" (expected: a unique id, but endpoints[0] has it)");
    }

    @Test
    void endpointId_sameAsPersonaIdValid() {
        assertThat(messages(withEndpoint(e -> e.setId("web")))).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "web pool", "web_pool", "10.0.0.256", "-web.example", "host:80"})
    void endpointAddress_invalid(String address) {
        final RoutingSnapshot snapshot = withEndpoint(e -> e.setAddress(address));
        assertThat(messages(snapshot)).containsExactly("endpoints[0].address: \"" + address
                + "\" (expected: an IP literal or a hostname of RFC 1123 labels of at most 253 characters)");
    }

    @ParameterizedTest
    @ValueSource(strings = {"10.0.0.1", "::1", "::ffff:10.0.0.1", "localhost", "3com.example", "web"})
    void endpointAddress_valid(String address) {
        assertThat(messages(withEndpoint(e -> e.setAddress(address)))).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(ints = {-1, 65536})
    void endpointPort_outOfRange(int port) {
        final RoutingSnapshot snapshot = withEndpoint(e -> e.setPort(port));
        assertThat(messages(snapshot)).containsExactly("endpoints[0].port: " + port
                + " (expected: 0-65535, where 0 means the port of the persona that uses the endpoint)");
    }

    @Test
    void endpointPort_zeroInheritsPersonaPort() {
        assertThat(messages(withEndpoint(e -> e.setPort(0)))).isEmpty();
    }

    @Test
    void endpointPool_invalid() {
        final RoutingSnapshot snapshot = withEndpoint(e -> e.setPool("web pool"));
        assertThat(messages(snapshot))
                .containsExactly("endpoints[0].pool: \"web pool\" (expected: empty or " + ID_RULE + ")");
    }

    @ParameterizedTest
    @ValueSource(ints = {-1, 16})
    void endpointTier_outOfRange(int tier) {
        final RoutingSnapshot snapshot = withEndpoint(e -> e.setTier(tier));
        assertThat(messages(snapshot)).containsExactly("endpoints[0].tier: " + tier + " (expected: 0-15)");
    }

    @ParameterizedTest
    @ValueSource(ints = {-1, 10001})
    void endpointWeight_outOfRange(int weight) {
        final RoutingSnapshot snapshot = withEndpoint(e -> e.setWeight(weight));
        assertThat(messages(snapshot)).containsExactly("endpoints[0].weight: " + weight
                + " (expected: 0-10000, where 0 drains the endpoint)");
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 10000})
    void endpointWeight_valid(int weight) {
        assertThat(messages(withEndpoint(e -> e.setWeight(weight)))).isEmpty();
    }

    @Test
    void endpointRegion_tooLong() {
        final RoutingSnapshot snapshot = withEndpoint(e -> e.setRegion("r".repeat(65)));
        assertThat(messages(snapshot)).containsExactly("endpoints[0].region: \"" + "r".repeat(65)
                + "\" (expected: at most 64 characters)");
    }

    // Subsets

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "10.0.0.0     | ADDRESS/LENGTH, such as 10.0.0.0/8",
            "''           | ADDRESS/LENGTH, such as 10.0.0.0/8",
            "web/8        | an IPv4 or IPv6 literal before '/', with no leading zeros in IPv4 octets",
            "10.0.0.0/33  | a prefix length of 0-32",
            "::/129       | a prefix length of 0-128",
            "10.0.0.0/x   | a prefix length of 0-32"})
    void subsetPrefix_unparsable(String prefix, String rule) {
        final RoutingSnapshot snapshot = withSubset(0, s -> s.setPrefix(prefix));
        assertThat(messages(snapshot))
                .containsExactly("subsets[0].prefix: \"" + prefix + "\" (expected: " + rule + ")");
    }

    @ParameterizedTest
    @CsvSource({"10.1.2.3/16, 10.1.0.0/16", "2001:db8::1/32, 2001:db8::/32", "::ffff:10.1.2.3/104, ::ffff:10.0.0.0/104"})
    void subsetPrefix_hostBitsSet(String prefix, String canonical) {
        final RoutingSnapshot snapshot = withSubset(1, s -> s.setPrefix(prefix));
        assertThat(messages(snapshot)).containsExactly(
                "subsets[1].prefix: \"" + prefix + "\" (expected: host bits zero, such as " + canonical + ")");
    }

    @Test
    void subsetPrefix_duplicateSpelling() {
        final RoutingSnapshot snapshot = baseline().toBuilder()
                .addSubsets(SubsetEntry.newBuilder().setPrefix("2001:DB8:0::/32").setPersona("secure"))
                .build();
        assertThat(messages(snapshot)).containsExactly("subsets[2].prefix: \"2001:DB8:0::/32\" "
                + "(expected: a prefix not mapped before, but subsets[1] maps 2001:db8::/32)");
    }

    @Test
    void subsetTarget_missing() {
        final RoutingSnapshot snapshot = withSubset(0, SubsetEntry.Builder::clearTarget);
        assertThat(messages(snapshot))
                .containsExactly("subsets[0]: no persona and no split (expected: exactly one of persona, split)");
    }

    @Test
    void subsetPersona_empty() {
        final RoutingSnapshot snapshot = withSubset(0, s -> s.setPersona(""));
        assertThat(messages(snapshot))
                .containsExactly("subsets[0].persona: \"\" (expected: a persona id or a split)");
    }

    @Test
    void subsetPersona_unknown() {
        final RoutingSnapshot snapshot = withSubset(0, s -> s.setPersona("nope"));
        assertThat(messages(snapshot)).containsExactly(
                "subsets[0].persona: \"nope\" (expected: the id of a persona in personas: web, secure)");
    }

    @Test
    void subsetPersona_noPersonas() {
        final RoutingSnapshot snapshot = RoutingSnapshot.newBuilder()
                .addSubsets(SubsetEntry.newBuilder().setPrefix("10.0.0.0/8").setPersona("web"))
                .build();
        assertThat(messages(snapshot)).containsExactly(
                "subsets[0].persona: \"web\" (expected: the id of a persona in personas, which is empty)");
    }

    @Test
    void split_noArms() {
        final RoutingSnapshot snapshot = withSubset(1, s -> s.setSplit(Split.newBuilder().setHashSeed(1)));
        assertThat(messages(snapshot)).containsExactly("subsets[1].split.arms: [] (expected: at least one arm)");
    }

    @Test
    void splitArm_negativeWeight() {
        final RoutingSnapshot snapshot = withSubset(1, s -> {
            s.getSplitBuilder().getArmsBuilder(1).setWeight(-1);
            return s;
        });
        assertThat(messages(snapshot))
                .containsExactly("subsets[1].split.arms[1].weight: -1 (expected: an integer >= 0)");
    }

    @Test
    void split_zeroWeightSum() {
        final RoutingSnapshot snapshot = withSubset(1, s -> {
            s.getSplitBuilder().getArmsBuilder(0).setWeight(0);
            s.getSplitBuilder().getArmsBuilder(1).setWeight(0);
            return s;
        });
        assertThat(messages(snapshot)).containsExactly(
                "subsets[1].split.arms: weights summing to 0 (expected: a positive sum of weights)");
    }

    @Test
    void split_weightSumOverflow() {
        final RoutingSnapshot snapshot = withSubset(1, s -> {
            s.getSplitBuilder().getArmsBuilder(0).setWeight(Integer.MAX_VALUE);
            return s;
        });
        assertThat(messages(snapshot)).containsExactly("subsets[1].split.arms: weights summing to 2147483657 "
                + "(expected: a sum of weights of at most 2147483647)");
    }

    @Test
    void splitArm_zeroWeightValid() {
        final RoutingSnapshot snapshot = withSubset(1, s -> {
            s.getSplitBuilder().getArmsBuilder(1).setWeight(0);
            return s;
        });
        assertThat(messages(snapshot)).isEmpty();
    }

    @Test
    void splitArm_unknownPersona() {
        final RoutingSnapshot snapshot = withSubset(1, s -> {
            s.getSplitBuilder().getArmsBuilder(1).setPersona("canary");
            return s;
        });
        assertThat(messages(snapshot)).containsExactly("subsets[1].split.arms[1].persona: \"canary\" "
                + "(expected: the id of a persona in personas: web, secure)");
    }

    @Test
    void splitArm_repeatedPersona() {
        final RoutingSnapshot snapshot = withSubset(1, s -> {
            s.getSplitBuilder().getArmsBuilder(1).setPersona("web");
            return s;
        });
        assertThat(messages(snapshot)).containsExactly("subsets[1].split.arms[1].persona: \"web\" "
                + "(expected: each persona in one arm only, but arms[0] has it)");
    }

    // Canary guard

    private static RoutingSnapshot withCanaryGuard(UnaryOperator<CanaryGuard.Builder> change) {
        return withSubset(1, s -> {
            change.apply(s.getSplitBuilder().getCanaryGuardBuilder());
            return s;
        });
    }

    @Test
    void canaryGuard_allFieldsSetValid() {
        final RoutingSnapshot snapshot = withCanaryGuard(g -> g.setControl("secure").setConfidence(0.995)
                .setMinRequests(100).setWindowMs(5000).setMinLatencyIncreaseMs(2.5).setMinErrorIncreasePercent(0.5));
        assertThat(messages(snapshot)).isEmpty();
    }

    @Test
    void canaryGuard_allDefaultsValid() {
        final RoutingSnapshot snapshot = withCanaryGuard(g -> g);
        assertThat(snapshot.getSubsets(1).getSplit().hasCanaryGuard()).isTrue();
        assertThat(messages(snapshot)).isEmpty();
    }

    @Test
    void canaryGuardControl_notAnArm() {
        final RoutingSnapshot snapshot = withCanaryGuard(g -> g.setControl("canary"));
        assertThat(messages(snapshot)).containsExactly("subsets[1].split.canary_guard.control: \"canary\" "
                + "(expected: \"\" for the first arm, or the persona of one of the split's arms: web, secure)");
    }

    @ParameterizedTest
    @CsvSource({"0.5, 0.5", "1, 1.0", "0.3, 0.3", "-0.99, -0.99", "1.5, 1.5", "NaN, NaN", "Infinity, Infinity"})
    void canaryGuardConfidence_outOfRange(double confidence, String valueText) {
        final RoutingSnapshot snapshot = withCanaryGuard(g -> g.setConfidence(confidence));
        assertThat(messages(snapshot)).containsExactly("subsets[1].split.canary_guard.confidence: " + valueText
                + " (expected: 0 for 0.99, or a number strictly between 0.5 and 1, such as 0.995)");
    }

    @Test
    void canaryGuardMinRequests_negative() {
        final RoutingSnapshot snapshot = withCanaryGuard(g -> g.setMinRequests(-1));
        assertThat(messages(snapshot)).containsExactly("subsets[1].split.canary_guard.min_requests: -1 "
                + "(expected: an integer >= 0, where 0 means 200)");
    }

    @Test
    void canaryGuardWindowMs_negative() {
        final RoutingSnapshot snapshot = withCanaryGuard(g -> g.setWindowMs(-5000));
        assertThat(messages(snapshot)).containsExactly("subsets[1].split.canary_guard.window_ms: -5000 "
                + "(expected: an integer >= 0, where 0 means 10000)");
    }

    @ParameterizedTest
    @CsvSource({"-1, -1.0", "NaN, NaN", "Infinity, Infinity", "-Infinity, -Infinity"})
    void canaryGuardMinLatencyIncrease_invalid(double increase, String valueText) {
        final RoutingSnapshot snapshot = withCanaryGuard(g -> g.setMinLatencyIncreaseMs(increase));
        assertThat(messages(snapshot)).containsExactly("subsets[1].split.canary_guard.min_latency_increase_ms: "
                + valueText + " (expected: a finite number of milliseconds >= 0, where 0 means 5)");
    }

    @ParameterizedTest
    @CsvSource({"-0.5, -0.5", "NaN, NaN", "Infinity, Infinity"})
    void canaryGuardMinErrorIncrease_invalid(double increase, String valueText) {
        final RoutingSnapshot snapshot = withCanaryGuard(g -> g.setMinErrorIncreasePercent(increase));
        assertThat(messages(snapshot)).containsExactly("subsets[1].split.canary_guard.min_error_increase_percent: "
                + valueText + " (expected: a finite number of percentage points >= 0, where 0 means 1)");
    }

    // Several at once

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "::", ":::", "[::1]", "1.2.3.4/", "/", "%", "\u0000", "..", "\uD800",
            "255.255.255.255.255", "0x7f.1", "ffff::ffff::1"})
    void junkStrings_reportedWithoutThrowing(String junk) {
        final Persona persona = Persona.newBuilder()
                .setId(junk).setAddressFamily(junk).setAddress(junk).setTlsVersion(junk).addCipherSuites(junk)
                .setL4ErrorAction(junk).putServiceTags(junk, junk)
                .build();
        final Endpoint endpoint = Endpoint.newBuilder().setId(junk).setAddress(junk).setPool(junk).build();
        final SubsetEntry subset = SubsetEntry.newBuilder().setPrefix(junk)
                .setSplit(Split.newBuilder().addArms(SplitArm.newBuilder().setPersona(junk)))
                .build();
        final AccessPointConfig config = AccessPointConfig.newBuilder()
                .setId(junk)
                .addListeners(Listener.newBuilder().setMode(junk).addAddresses(junk).setPort(1))
                .setAdmin(AdminListener.newBuilder().setAddress(junk))
                .addPersonas(persona)
                .addEndpoints(endpoint)
                .addSubsets(subset)
                .build();
        assertThat(validator.validate(config)).isNotEmpty();
    }

    @Test
    void severalViolations_allReported() {
        final RoutingSnapshot.Builder builder = baseline().toBuilder();
        builder.getPersonasBuilder(0).setPort(70000).setPriority(-5);
        builder.getPersonasBuilder(1).setErrorRatePercent(Double.NaN);
        builder.getEndpointsBuilder(1).setTier(99);
        builder.getSubsetsBuilder(0).setPrefix("10.0.0.1/8");
        final List<String> messages = messages(builder.build());
        assertThat(messages).containsExactly(
                "personas[0].port: 70000 (expected: 1-65535)",
                "personas[0].priority: -5 (expected: 0-1000)",
                "personas[1].error_rate_percent: NaN (expected: a finite percentage from 0 to 100, such as 0.1)",
                "endpoints[1].tier: 99 (expected: 0-15)",
                "subsets[0].prefix: \"10.0.0.1/8\" (expected: host bits zero, such as 10.0.0.0/8)");
    }

    // Access point config

    private static AccessPointConfig config() {
        final RoutingSnapshot routing = baseline();
        return AccessPointConfig.newBuilder()
                .setId("ap-1")
                .addListeners(Listener.newBuilder().setName("http").setMode("L7")
                        .addAddresses("127.0.0.1").addAddresses("::1").setPort(8080))
                .addListeners(Listener.newBuilder().setMode("L4").addAddresses("127.0.0.1").setPort(9090))
                .addListeners(Listener.newBuilder().setMode("L4").addAddresses("127.0.0.1").setPort(0))
                .addListeners(Listener.newBuilder().setMode("L4").addAddresses("127.0.0.1").setPort(0))
                .setAdmin(AdminListener.newBuilder().setPort(9901))
                .setSeed(-3)
                .setTls(TlsKeyMaterial.newBuilder().setCertificateFile("cert.pem").setPrivateKeyFile("key.pem"))
                .setUpstream(UpstreamSettings.newBuilder().setConnectTimeoutMs(500))
                .addAllPersonas(routing.getPersonasList())
                .addAllEndpoints(routing.getEndpointsList())
                .addAllSubsets(routing.getSubsetsList())
                .build();
    }

    private static AccessPointConfig withListener(int index, UnaryOperator<Listener.Builder> change) {
        final AccessPointConfig.Builder config = config().toBuilder();
        change.apply(config.getListenersBuilder(index));
        return config.build();
    }

    @Test
    void config_hasNoViolations() {
        assertThat(validator.validate(config())).isEmpty();
    }

    @Test
    void config_routingPathsAtTopLevel() {
        final AccessPointConfig broken = config().toBuilder()
                .setPersonas(0, config().getPersonas(0).toBuilder().setPort(0))
                .setEndpoints(0, config().getEndpoints(0).toBuilder().setTier(16))
                .setSubsets(0, config().getSubsets(0).toBuilder().setPersona("nope"))
                .build();
        assertThat(messages(broken)).containsExactly(
                "personas[0].port: 0 (expected: 1-65535)",
                "endpoints[0].tier: 16 (expected: 0-15)",
                "subsets[0].persona: \"nope\" (expected: the id of a persona in personas: web, secure)");
    }

    @Test
    void configId_emptyValid() {
        assertThat(validator.validate(config().toBuilder().setId("").build())).isEmpty();
    }

    @Test
    void configId_invalid() {
        final AccessPointConfig config = config().toBuilder().setId("ap 1").build();
        assertThat(messages(config)).containsExactly("id: \"ap 1\" (expected: empty or " + ID_RULE + ")");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "l7", "HTTP", "L3"})
    void listenerMode_invalid(String mode) {
        final AccessPointConfig config = withListener(0, l -> l.setMode(mode));
        assertThat(messages(config)).containsExactly("listeners[0].mode: \"" + mode
                + "\" (expected: \"L4\" for a TCP relay or \"L7\" for an HTTP/1.1 proxy)");
    }

    @Test
    void listenerAddresses_empty() {
        final AccessPointConfig config = withListener(0, Listener.Builder::clearAddresses);
        assertThat(messages(config)).containsExactly(
                "listeners[0].addresses: [] (expected: at least one IP literal, such as 127.0.0.1 or ::1)");
    }

    @ParameterizedTest
    @ValueSource(strings = {"localhost", "", "127.0.0.256", "*"})
    void listenerAddress_notIpLiteral(String address) {
        final AccessPointConfig config = withListener(0, l -> l.setAddresses(1, address));
        assertThat(messages(config)).containsExactly("listeners[0].addresses[1]: \"" + address
                + "\" (expected: an IP literal such as 127.0.0.1 or ::1)");
    }

    @ParameterizedTest
    @ValueSource(ints = {-1, 65536})
    void listenerPort_outOfRange(int port) {
        final AccessPointConfig config = withListener(1, l -> l.setPort(port));
        assertThat(messages(config)).containsExactly("listeners[1].port: " + port
                + " (expected: 0-65535, where 0 lets the operating system pick a port)");
    }

    @Test
    void listenerBinding_sameAddressAndPort() {
        final AccessPointConfig config = withListener(1, l -> l.setPort(8080));
        assertThat(messages(config)).containsExactly("listeners[1].addresses[0]: \"127.0.0.1\" (expected: an "
                + "address and port not bound elsewhere, but listeners[0].addresses[0] binds 127.0.0.1 port 8080)");
    }

    @Test
    void listenerBinding_repeatedWithinListener() {
        final AccessPointConfig config = withListener(0, l -> l.addAddresses("::0001"));
        assertThat(messages(config)).containsExactly("listeners[0].addresses[2]: \"::0001\" (expected: an "
                + "address and port not bound elsewhere, but listeners[0].addresses[1] binds ::1 port 8080)");
    }

    @Test
    void listenerBinding_wildcardOverlaps() {
        final AccessPointConfig config = withListener(1, l -> l.setAddresses(0, "0.0.0.0").setPort(8080));
        assertThat(messages(config)).containsExactly("listeners[1].addresses[0]: \"0.0.0.0\" (expected: an "
                + "address and port not bound elsewhere, but listeners[0].addresses[0] binds 127.0.0.1 port 8080)");
    }

    @Test
    void listenerBinding_otherPortValid() {
        final AccessPointConfig config = withListener(1, l -> l.setAddresses(0, "0.0.0.0").setPort(8081));
        assertThat(messages(config)).isEmpty();
    }

    @Test
    void adminBinding_clashesWithListener() {
        final AccessPointConfig config = config().toBuilder()
                .setAdmin(AdminListener.newBuilder().setPort(9090))
                .build();
        assertThat(messages(config)).containsExactly("admin.address: \"127.0.0.1\" (expected: an address and "
                + "port not bound elsewhere, but listeners[1].addresses[0] binds 127.0.0.1 port 9090)");
    }

    @Test
    void adminPort_outOfRange() {
        final AccessPointConfig config = config().toBuilder()
                .setAdmin(AdminListener.newBuilder().setPort(65536))
                .build();
        assertThat(messages(config))
                .containsExactly("admin.port: 65536 (expected: 0-65535, where 0 picks a free port)");
    }

    @Test
    void adminAddress_notIpLiteral() {
        final AccessPointConfig config = config().toBuilder()
                .setAdmin(AdminListener.newBuilder().setAddress("localhost").setPort(9901))
                .build();
        assertThat(messages(config)).containsExactly("admin.address: \"localhost\" "
                + "(expected: empty for 127.0.0.1, or an IP literal such as 127.0.0.1 or ::1)");
    }

    @Test
    void tlsFiles_keyMissing() {
        final AccessPointConfig config = config().toBuilder()
                .setTls(TlsKeyMaterial.newBuilder().setCertificateFile("cert.pem"))
                .build();
        assertThat(messages(config)).containsExactly("tls.private_key_file: \"\" "
                + "(expected: a PEM PKCS#8 key file, because certificate_file is set)");
    }

    @Test
    void tlsFiles_certificateMissing() {
        final AccessPointConfig config = config().toBuilder()
                .setTls(TlsKeyMaterial.newBuilder().setPrivateKeyFile("key.pem"))
                .build();
        assertThat(messages(config)).containsExactly("tls.certificate_file: \"\" "
                + "(expected: a PEM certificate chain file, because private_key_file is set)");
    }

    @Test
    void upstream_negativeValues() {
        final AccessPointConfig config = config().toBuilder()
                .setUpstream(UpstreamSettings.newBuilder()
                        .setConnectTimeoutMs(-1)
                        .setResponseTimeoutMs(-2)
                        .setMaxIdlePerEndpoint(-3)
                        .setMaxBodyBytes(-4))
                .build();
        assertThat(messages(config)).containsExactly(
                "upstream.connect_timeout_ms: -1 (expected: an integer >= 0, where 0 means 2000)",
                "upstream.response_timeout_ms: -2 (expected: an integer >= 0, where 0 means 30000)",
                "upstream.max_idle_per_endpoint: -3 (expected: an integer >= 0, where 0 means 64)",
                "upstream.max_body_bytes: -4 (expected: an integer >= 0, where 0 means 8388608)");
    }

    // Local ejection

    private List<String> localEjectionMessages(LocalEjection.Builder ejection) {
        return messages(config().toBuilder().setLocalEjection(ejection).build());
    }

    @Test
    void localEjection_zerosAreDefaults() {
        assertThat(localEjectionMessages(LocalEjection.newBuilder())).isEmpty();
    }

    @Test
    void localEjection_negativeValues() {
        assertThat(localEjectionMessages(LocalEjection.newBuilder()
                .setConsecutiveFailures(-1).setBaseEjectionMs(-2).setMaxEjectionMs(-3)))
                .containsExactly(
                        "local_ejection.consecutive_failures: -1 (expected: an integer >= 0, where 0 means 5)",
                        "local_ejection.base_ejection_ms: -2 (expected: an integer >= 0, where 0 means 30000)",
                        "local_ejection.max_ejection_ms: -3 (expected: an integer >= 0, where 0 means 300000)");
    }

    @Test
    void localEjection_maxBelowBase() {
        assertThat(localEjectionMessages(LocalEjection.newBuilder().setBaseEjectionMs(5000).setMaxEjectionMs(1000)))
                .containsExactly("local_ejection.max_ejection_ms: 1000 "
                                 + "(expected: at least base_ejection_ms (5000), where 0 means 300000)");
    }

    @Test
    void localEjection_defaultMaxBelowBase() {
        assertThat(localEjectionMessages(LocalEjection.newBuilder().setBaseEjectionMs(400_000)))
                .containsExactly("local_ejection.max_ejection_ms: 0 "
                                 + "(expected: at least base_ejection_ms (400000), where 0 means 300000)");
    }

    @Test
    void localEjection_percentsOutOfRange() {
        assertThat(localEjectionMessages(LocalEjection.newBuilder().setMaxEjectionPercent(101).setJitterPercent(51)))
                .containsExactly("local_ejection.max_ejection_percent: 101 (expected: 0-100, where 0 means 50)",
                                 "local_ejection.jitter_percent: 51 (expected: 0-50, where 0 means 10)");
    }
}
