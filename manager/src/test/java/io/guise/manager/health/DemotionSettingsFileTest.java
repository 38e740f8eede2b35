package io.guise.manager.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading demotion thresholds from JSON and YAML files. */
class DemotionSettingsFileTest {

    @TempDir
    Path folder;

    @Test
    void yamlFile_setsNamedFieldsAndKeepsDefaults() throws Exception {
        final Path file = Files.writeString(folder.resolve("health.yaml"),
                                            "min_requests: 50\nmax_error_rate_percent: 12.5\n");

        final DemotionSettings settings = DemotionSettingsFile.load(file);

        assertThat(settings).isEqualTo(new DemotionSettings(50, 12.5, 3, 100, 3, 50, 1));
    }

    @Test
    void emptyJsonObject_givesDefaults() {
        assertThat(DemotionSettingsFile.parse("{}", false, "inline")).isEqualTo(DemotionSettings.defaults());
    }

    @Test
    void badFields_rejectedNamingFieldValueAndRule() {
        assertThatThrownBy(() -> DemotionSettingsFile.parse("{\"min_request\": 5, \"restore_after_windows\": \"x\"}",
                                                            false, "health.json"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("health.json: min_request: unknown field (expected one of " + DemotionSettingsFile.FIELDS
                            + "); restore_after_windows: \"x\" (expected: an integer)");
        assertThatThrownBy(() -> DemotionSettingsFile.parse("max_error_rate_percent: 150", true, "health.yaml"))
                .hasMessage("health.yaml: max_error_rate_percent: 150.0 (expected: > 0 and <= 100)");
        assertThatThrownBy(() -> DemotionSettingsFile.parse("[1, 2]", false, "health.json"))
                .hasMessageStartingWith("health.json: array at the top (expected: an object with the fields");
    }
}
