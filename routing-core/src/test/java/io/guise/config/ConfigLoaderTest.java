package io.guise.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import io.guise.config.ConfigLoader.Format;
import io.guise.proto.AccessPointConfig;
import io.guise.proto.RoutingSnapshot;
import io.guise.validation.RoutingValidator;
import io.guise.validation.TlsCapabilities;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ConfigLoaderTest {

    private static final String PERSONA_FIELDS = "id, address_family, address, port, tls_version, cipher_suites, "
            + "priority, simulated_latency_ms, jitter_ms, error_rate_percent, service_tags, error_status, "
            + "l4_error_action, rate_limit, fault_expires_at_ms";

    @TempDir
    Path tempDir;

    private static String resource(String name) throws IOException {
        try (InputStream in = ConfigLoaderTest.class.getResourceAsStream("/config/" + name)) {
            assertThat(in).as("resource %s", name).isNotNull();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static ConfigException parseError(String text, Format format) {
        final Throwable thrown = catchThrowable(
                () -> ConfigLoader.parseAccessPoint(text, format, "ap.conf"));
        assertThat(thrown).isInstanceOf(ConfigException.class);
        return (ConfigException) thrown;
    }

    /** Collects the full names of the fields set anywhere in the message. */
    private static void collectSetFields(Message message, Set<String> out) {
        for (var entry : message.getAllFields().entrySet()) {
            final FieldDescriptor field = entry.getKey();
            out.add(field.getFullName());
            if (field.getJavaType() != FieldDescriptor.JavaType.MESSAGE || field.isMapField()) {
                continue;
            }
            if (field.isRepeated()) {
                for (Object element : (Iterable<?>) entry.getValue()) {
                    collectSetFields((Message) element, out);
                }
            } else {
                collectSetFields((Message) entry.getValue(), out);
            }
        }
    }

    /** Collects the full names of every field of the message type and the types it contains. */
    private static void collectAllFields(Descriptor type, Set<String> out) {
        for (FieldDescriptor field : type.getFields()) {
            if (!out.add(field.getFullName())) {
                continue;
            }
            if (field.getJavaType() == FieldDescriptor.JavaType.MESSAGE && !field.isMapField()) {
                collectAllFields(field.getMessageType(), out);
            }
        }
    }

    // Round trips

    @Test
    void fullConfig_jsonAndYamlEqual() throws Exception {
        final AccessPointConfig json = ConfigLoader.parseAccessPoint(resource("full-access-point.json"),
                Format.JSON, "full-access-point.json");
        final AccessPointConfig yaml = ConfigLoader.parseAccessPoint(resource("full-access-point.yaml"),
                Format.YAML, "full-access-point.yaml");
        assertThat(yaml).isEqualTo(json);
    }

    @Test
    void fullConfig_setsEveryField() throws Exception {
        final AccessPointConfig config = ConfigLoader.parseAccessPoint(resource("full-access-point.json"),
                Format.JSON, "full-access-point.json");
        final Set<String> set = new TreeSet<>();
        collectSetFields(config, set);
        final Set<String> all = new TreeSet<>();
        collectAllFields(AccessPointConfig.getDescriptor(), all);
        assertThat(set).isEqualTo(all);
    }

    @Test
    void fullConfig_valuesRead() throws Exception {
        final AccessPointConfig config = ConfigLoader.parseAccessPoint(resource("full-access-point.yaml"),
                Format.YAML, "full-access-point.yaml");
        assertThat(config.getSeed()).isEqualTo(9_007_199_254_740_993L);
        assertThat(config.getListeners(0).getAddressesList()).containsExactly("127.0.0.1", "::1");
        assertThat(config.getPersonas(1).getErrorRatePercent()).isEqualTo(0.1);
        assertThat(config.getPersonas(1).getServiceTagsMap()).containsEntry("tier/class", "gold");
        assertThat(config.getEndpoints(0).hasWeight()).isTrue();
        assertThat(config.getEndpoints(0).getWeight()).isZero();
        assertThat(config.getEndpoints(0).getHealthy()).isFalse();
        assertThat(config.getEndpoints(1).hasWeight()).isFalse();
        assertThat(config.getSubsets(1).getSplit().getHashSeed()).isEqualTo(7);
    }

    @Test
    void fullConfig_validates() throws Exception {
        final AccessPointConfig config = ConfigLoader.parseAccessPoint(resource("full-access-point.json"),
                Format.JSON, "full-access-point.json");
        final TlsCapabilities tls = TlsCapabilities.of(Set.of("TLSv1.3"),
                Set.of("TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384"));
        assertThat(new RoutingValidator(tls).validate(config)).isEmpty();
    }

    @Test
    void jsonFormatOutput_parsesBack() throws Exception {
        final AccessPointConfig config = ConfigLoader.parseAccessPoint(resource("full-access-point.json"),
                Format.JSON, "full-access-point.json");
        final String printed = JsonFormat.printer().preservingProtoFieldNames().print(config);
        assertThat(ConfigLoader.parseAccessPoint(printed, Format.JSON, "printed")).isEqualTo(config);
        assertThat(ConfigLoader.parseAccessPoint(printed, Format.YAML, "printed")).isEqualTo(config);
    }

    @Test
    void snapshot_parses() throws Exception {
        final RoutingSnapshot snapshot = ConfigLoader.parseSnapshot(
                "{\"revision\": 12, \"personas\": [{\"id\": \"web\", \"port\": 80}]}", Format.JSON, "snapshot");
        assertThat(snapshot.getRevision()).isEqualTo(12);
        assertThat(snapshot.getPersonas(0).getPort()).isEqualTo(80);
    }

    @Test
    void integersAsStrings_accepted() throws Exception {
        final AccessPointConfig config = ConfigLoader.parseAccessPoint(
                "personas:\n  - port: \"80\"\n    simulated_latency_ms: \"50\"\n", Format.YAML, "ap.yaml");
        assertThat(config.getPersonas(0).getPort()).isEqualTo(80);
        assertThat(config.getPersonas(0).getSimulatedLatencyMs()).isEqualTo(50);
    }

    @Test
    void nanString_acceptedForValidator() throws Exception {
        final AccessPointConfig config = ConfigLoader.parseAccessPoint(
                "{\"personas\": [{\"error_rate_percent\": \"NaN\"}]}", Format.JSON, "ap.json");
        assertThat(config.getPersonas(0).getErrorRatePercent()).isNaN();
    }

    // Shape problems

    @Test
    void unknownField_pathLineAndKnownFields() {
        final String json = "{\n  \"personas\": [\n    {\"id\": \"a\"},\n    {\"id\": \"b\",\n     \"colour\": 1}\n  ]\n}";
        final ConfigException e = parseError(json, Format.JSON);
        assertThat(e.problems()).containsExactly(
                "ap.conf:5: personas[1].colour: unknown field (expected one of: " + PERSONA_FIELDS + ")");
    }

    @Test
    void unknownField_camelCaseRejected() {
        final ConfigException e = parseError("personas:\n  - addressFamily: IPv4\n", Format.YAML);
        assertThat(e.problems()).containsExactly(
                "ap.conf:2: personas[0].addressFamily: unknown field (expected one of: " + PERSONA_FIELDS + ")");
    }

    @Test
    void wrongType_stringForInteger() {
        final ConfigException e = parseError("{\"personas\": [{\"port\": \"eighty\"}]}", Format.JSON);
        assertThat(e.problems())
                .containsExactly("ap.conf:1: personas[0].port: \"eighty\" (expected: an integer)");
    }

    @Test
    void wrongType_yamlBooleanForString() {
        // YAML 1.1 reads an unquoted "no" as false, and the message shows the text as written.
        final ConfigException e = parseError("endpoints:\n  - pool: no\n", Format.YAML);
        assertThat(e.problems()).containsExactly("ap.conf:2: endpoints[0].pool: no (expected: a string)");
    }

    @Test
    void wrongType_objectForList() {
        final ConfigException e = parseError("{\"listeners\": {\"mode\": \"L4\"}}", Format.JSON);
        assertThat(e.problems())
                .containsExactly("ap.conf:1: listeners: an object (expected: a list of objects)");
    }

    @Test
    void wrongType_listForMap() {
        final ConfigException e = parseError("{\"personas\": [{\"service_tags\": [\"a\"]}]}", Format.JSON);
        assertThat(e.problems()).containsExactly(
                "ap.conf:1: personas[0].service_tags: a list (expected: an object of string values)");
    }

    @Test
    void wrongType_numberForMapValue() {
        final ConfigException e = parseError("{\"personas\": [{\"service_tags\": {\"k\": 1}}]}", Format.JSON);
        assertThat(e.problems())
                .containsExactly("ap.conf:1: personas[0].service_tags[\"k\"]: 1 (expected: a string)");
    }

    @Test
    void wrongType_fractionForInteger() {
        final ConfigException e = parseError("{\"personas\": [{\"priority\": 1.5}]}", Format.JSON);
        assertThat(e.problems()).containsExactly("ap.conf:1: personas[0].priority: 1.5 (expected: an integer)");
    }

    @Test
    void int32Overflow_reportedWithPath() {
        final ConfigException e = parseError("{\"listeners\": [{\"port\": 2147483648}]}", Format.JSON);
        assertThat(e.problems()).containsExactly("ap.conf:1: listeners[0].port: 2147483648 "
                + "(expected: an integer from -2147483648 to 2147483647)");
    }

    @ParameterizedTest
    @ValueSource(strings = {"017", "0x50", "1_000", "+80"})
    void yamlNonDecimalInteger_rejected(String text) {
        // YAML 1.1 reads an unquoted 017 as octal 15, which a port number never means.
        final ConfigException e = parseError("personas:\n  - port: " + text + "\n", Format.YAML);
        assertThat(e.problems()).containsExactly("ap.conf:2: personas[0].port: " + text
                + " (expected: an integer in plain decimal without leading zeros, such as 15)");
    }

    @Test
    void exponentOverflow_reportedWithPath() {
        final ConfigException e = parseError("{\"personas\": [{\"error_rate_percent\": 1e9999999999}]}",
                Format.JSON);
        assertThat(e.problems()).containsExactly("ap.conf:1: personas[0].error_rate_percent: 1e9999999999 "
                + "(expected: a number within the range of a double)");
    }

    @Test
    void int64Overflow_reportedWithPath() {
        final ConfigException e = parseError("{\"seed\": \"9223372036854775808\"}", Format.JSON);
        assertThat(e.problems()).containsExactly("ap.conf:1: seed: \"9223372036854775808\" "
                + "(expected: an integer from -9223372036854775808 to 9223372036854775807)");
    }

    @Test
    void doubleOverflow_reportedWithPath() {
        final ConfigException e = parseError("{\"personas\": [{\"error_rate_percent\": 1e400}]}", Format.JSON);
        assertThat(e.problems()).containsExactly("ap.conf:1: personas[0].error_rate_percent: 1e400 "
                + "(expected: a number within the range of a double)");
    }

    @Test
    void null_rejected() {
        final ConfigException e = parseError("admin:\npersonas:\n  - id: ~\n", Format.YAML);
        assertThat(e.problems()).containsExactly(
                // The YAML parser reads a key without a value as an empty string, not as null.
                "ap.conf:1: admin: \"\" (expected: an object)",
                "ap.conf:3: personas[0].id: null (expected: a string, or leave the field out for its default)");
    }

    @Test
    void nullListElement_rejected() {
        final ConfigException e = parseError("{\"listeners\": [{\"addresses\": [null]}]}", Format.JSON);
        assertThat(e.problems()).containsExactly("ap.conf:1: listeners[0].addresses[0]: null "
                + "(expected: a string, or leave the field out for its default)");
    }

    @Test
    void oneofBothSet_namesBoth() {
        final ConfigException e = parseError(
                "subsets:\n  - prefix: 10.0.0.0/8\n    persona: web\n    split: {arms: []}\n", Format.YAML);
        assertThat(e.problems()).containsExactly("ap.conf:4: subsets[0].split: persona and split are both set "
                + "(expected: only one of persona, split)");
    }

    @Test
    void oneofNullMember_notCountedAsSet() {
        final ConfigException e = parseError("subsets:\n  - persona: ~\n    split: {arms: []}\n", Format.YAML);
        assertThat(e.problems()).containsExactly("ap.conf:2: subsets[0].persona: null "
                + "(expected: a string, or leave the field out for its default)");
    }

    @Test
    void severalProblems_allReported() {
        final String json = "{\"id\": 5,\n \"listeners\": [{\"port\": \"x\", \"mood\": \"L4\"}],\n \"sed\": 1}";
        final ConfigException e = parseError(json, Format.JSON);
        assertThat(e.problems()).hasSize(4);
        assertThat(e.problems().get(0)).isEqualTo("ap.conf:1: id: 5 (expected: a string)");
        assertThat(e.problems().get(1)).isEqualTo("ap.conf:2: listeners[0].port: \"x\" (expected: an integer)");
        assertThat(e.problems().get(2)).startsWith("ap.conf:2: listeners[0].mood: unknown field");
        assertThat(e.problems().get(3)).startsWith("ap.conf:3: sed: unknown field");
    }

    @Test
    void message_listsEachProblemOnOwnLine() {
        final ConfigException e = parseError("{\"id\": 5, \"seed\": true}", Format.JSON);
        assertThat(e.getMessage()).isEqualTo("Invalid configuration in ap.conf (2 problems):\n"
                + "ap.conf:1: id: 5 (expected: a string)\n"
                + "ap.conf:1: seed: true (expected: an integer)");
    }

    // Malformed input

    @Test
    void duplicateKey_json() {
        final ConfigException e = parseError("{\"id\": \"a\",\n \"id\": \"b\"}", Format.JSON);
        assertThat(e.problems()).hasSize(1);
        assertThat(e.problems().get(0)).startsWith("ap.conf:2: invalid JSON: Duplicate field 'id'");
    }

    @Test
    void duplicateKey_yaml() {
        final ConfigException e = parseError("personas:\n  - id: a\n    id: b\n", Format.YAML);
        assertThat(e.problems()).hasSize(1);
        assertThat(e.problems().get(0)).startsWith("ap.conf:3: invalid YAML: Duplicate field 'id'");
    }

    @Test
    void duplicateMapKey_yaml() {
        final ConfigException e = parseError("personas:\n  - service_tags: {a: x, a: y}\n", Format.YAML);
        assertThat(e.problems()).hasSize(1);
        assertThat(e.problems().get(0)).contains("Duplicate field 'a'");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "\n\n", "# only a comment\n"})
    void emptyInput_yaml(String text) {
        final ConfigException e = parseError(text, Format.YAML);
        assertThat(e.problems()).containsExactly(
                "ap.conf: empty document (expected: an object with the fields of AccessPointConfig)");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "\n"})
    void emptyInput_json(String text) {
        final ConfigException e = parseError(text, Format.JSON);
        assertThat(e.problems()).containsExactly(
                "ap.conf: empty document (expected: an object with the fields of AccessPointConfig)");
    }

    @Test
    void rootList_rejected() {
        final ConfigException e = parseError("[1, 2]", Format.JSON);
        assertThat(e.problems()).containsExactly(
                "ap.conf:1: (document): a list (expected: an object with the fields of AccessPointConfig)");
    }

    @Test
    void secondDocument_rejected() {
        final ConfigException e = parseError("id: a\n---\nid: b\n", Format.YAML);
        assertThat(e.problems()).containsExactly(
                "ap.conf:3: (document): content after the first document (expected: exactly one document)");
    }

    @Test
    void yamlAlias_rejected() {
        final ConfigException e = parseError(
                "personas:\n  - &p {id: a}\n  - *p\n", Format.YAML);
        assertThat(e.problems()).containsExactly("ap.conf:3: personas[1]: YAML alias *p "
                + "(expected: the value written out, because aliases are not supported)");
    }

    @Test
    void yamlBomb_aliasRejected() {
        final StringBuilder bomb = new StringBuilder("a0: &a0 [x, x, x, x, x, x, x, x, x]\n");
        for (int i = 1; i < 10; i++) {
            bomb.append("a").append(i).append(": &a").append(i).append(" [");
            for (int j = 0; j < 9; j++) {
                bomb.append(j == 0 ? "" : ", ").append("*a").append(i - 1);
            }
            bomb.append("]\n");
        }
        bomb.append("personas: *a9\n");
        final ConfigException e = parseError(bomb.toString(), Format.YAML);
        assertThat(e.problems()).contains("ap.conf:11: personas: YAML alias *a9 "
                + "(expected: the value written out, because aliases are not supported)");
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "{", "}", "{\"id\":", "{\"id\": \"a\"", "{\"id\": 'a'}", "{id: \"a\"}", "{\"id\": \"a\",}",
            "{} {}", "{\"seed\": 00}", "{\"seed\": NaN}", "{\"seed\": 1e99999999}", "\u0000\u0001\u0002",
            "\uFFFD\uFFFE", "\"just a string\"", "42", "null", "true"})
    void malformedJson_configException(String text) {
        assertThatThrownBy(() -> ConfigLoader.parseAccessPoint(text, Format.JSON, "ap.json"))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("Invalid configuration in ap.json");
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "id: [", "id: {a: 1", "\tid: a", "id: a\n  b: c", "- 1\n- 2", "just text", "personas: x",
            "error_rate_percent: .nan", "personas:\n  - error_rate_percent: .inf", "id: !!binary aGVsbG8=",
            "? [a, b]\n: c", "%YAML 9.9\n---\nid: a", "\u0000\u0001", "id: \"\\x\""})
    void malformedYaml_configException(String text) {
        assertThatThrownBy(() -> ConfigLoader.parseAccessPoint(text, Format.YAML, "ap.yaml"))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("Invalid configuration in ap.yaml");
    }

    @Test
    void deepNesting_configException() {
        final String deep = "{\"id\": " + "[".repeat(10_000) + "]".repeat(10_000) + "}";
        assertThatThrownBy(() -> ConfigLoader.parseAccessPoint(deep, Format.JSON, "ap.json"))
                .isInstanceOf(ConfigException.class);
        final String deepYaml = "id: " + "[".repeat(10_000) + "]".repeat(10_000);
        assertThatThrownBy(() -> ConfigLoader.parseAccessPoint(deepYaml, Format.YAML, "ap.yaml"))
                .isInstanceOf(ConfigException.class);
    }

    @Test
    void hugeNumber_configException() {
        final String json = "{\"seed\": " + "9".repeat(100_000) + "}";
        assertThatThrownBy(() -> ConfigLoader.parseAccessPoint(json, Format.JSON, "ap.json"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("ap.json: invalid JSON: Number value length (100000) exceeds the maximum");
    }

    @Test
    void randomBytes_configException() throws Exception {
        final Random random = new Random(42);
        for (int i = 0; i < 200; i++) {
            final byte[] bytes = new byte[random.nextInt(200)];
            random.nextBytes(bytes);
            final String text = new String(bytes, StandardCharsets.ISO_8859_1);
            for (Format format : Format.values()) {
                assertThatThrownBy(() -> ConfigLoader.parseAccessPoint(text, format, "random"))
                        .as("bytes %s as %s", Arrays.toString(bytes), format)
                        .isInstanceOf(ConfigException.class);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"full-access-point.json", "full-access-point.yaml"})
    void mutatedConfig_onlyConfigException(String name) throws Exception {
        final String original = resource(name);
        final Format format = name.endsWith(".json") ? Format.JSON : Format.YAML;
        final String replacements = "{}[]:,\"'-#&*!|>\n 0a.";
        final Random random = new Random(7);
        for (int i = 0; i < 2000; i++) {
            final StringBuilder text = new StringBuilder(original);
            for (int edits = 1 + random.nextInt(3); edits > 0; edits--) {
                final int at = random.nextInt(text.length());
                if (random.nextBoolean()) {
                    text.deleteCharAt(at);
                } else {
                    text.setCharAt(at, replacements.charAt(random.nextInt(replacements.length())));
                }
            }
            final String mutated = text.toString();
            final Throwable thrown = catchThrowable(() -> ConfigLoader.parseAccessPoint(mutated, format, name));
            if (thrown != null) {
                assertThat(thrown).as("mutation %d of %s", i, name).isInstanceOf(ConfigException.class);
            }
        }
    }

    // Files

    @Test
    void loadAccessPoint_chooseFormatByExtension() throws Exception {
        final Path json = Files.writeString(tempDir.resolve("ap.json"), "{\"id\": \"a\"}");
        final Path yaml = Files.writeString(tempDir.resolve("ap.yml"), "id: b\n");
        assertThat(ConfigLoader.loadAccessPoint(json).getId()).isEqualTo("a");
        assertThat(ConfigLoader.loadAccessPoint(yaml).getId()).isEqualTo("b");
    }

    @Test
    void loadAccessPoint_sniffsWithoutExtension() throws Exception {
        final Path json = Files.writeString(tempDir.resolve("ap-json"), "  {\"id\": \"a\"}");
        final Path yaml = Files.writeString(tempDir.resolve("ap-yaml"), "id: b\n");
        assertThat(ConfigLoader.loadAccessPoint(json).getId()).isEqualTo("a");
        assertThat(ConfigLoader.loadAccessPoint(yaml).getId()).isEqualTo("b");
    }

    @Test
    void loadAccessPoint_problemsNameFile() throws Exception {
        final Path file = Files.writeString(tempDir.resolve("ap.yaml"), "id: a\nlisteners: 3\n");
        assertThatThrownBy(() -> ConfigLoader.loadAccessPoint(file))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(file + ":2: listeners: 3 (expected: a list of objects)");
    }

    @Test
    void loadAccessPoint_invalidUtf8() throws Exception {
        final Path file = Files.write(tempDir.resolve("ap.json"), new byte[] {'{', (byte) 0xC3, (byte) 0x28, '}'});
        assertThatThrownBy(() -> ConfigLoader.loadAccessPoint(file))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("not valid UTF-8 text");
    }

    @Test
    void loadAccessPoint_missingFile() {
        final Path file = tempDir.resolve("missing.yaml");
        assertThatThrownBy(() -> ConfigLoader.loadAccessPoint(file))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(file + ": file not found");
    }

    @Test
    void loadSnapshot_readsFile() throws Exception {
        final Path file = Files.writeString(tempDir.resolve("snapshot.yaml"), "revision: 3\n");
        assertThat(ConfigLoader.loadSnapshot(file).getRevision()).isEqualTo(3);
    }

    @Test
    void parseTreeReportsBasePathAndLine() throws Exception {
        final var tree = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree("{\"id\": \"a\", \"port\": \"x\", \"colour\": 1}");
        final Throwable thrown = catchThrowable(() -> ConfigLoader.parseTree(tree,
                io.guise.proto.Persona.getDefaultInstance(), "s.yaml", "timeline[2].persona",
                path -> path.endsWith(".port") ? 7 : 0));

        assertThat(thrown).isInstanceOf(ConfigException.class);
        final var problems = ((ConfigException) thrown).problems();
        assertThat(problems).hasSize(2);
        assertThat(problems.get(0)).isEqualTo("s.yaml:7: timeline[2].persona.port: \"x\" (expected: an integer)");
        assertThat(problems.get(1)).startsWith("s.yaml: timeline[2].persona.colour: unknown field");
    }

    @Test
    void parseTreeBuildsMessage() throws Exception {
        final var tree = new com.fasterxml.jackson.databind.ObjectMapper().readTree("{\"id\": \"a\", \"port\": 80}");
        final var persona = ConfigLoader.parseTree(tree, io.guise.proto.Persona.getDefaultInstance(), "s.yaml",
                "personas[0]", path -> 0);

        assertThat(persona.getId()).isEqualTo("a");
        assertThat(persona.getPort()).isEqualTo(80);
    }
}
