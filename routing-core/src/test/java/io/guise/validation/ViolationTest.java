package io.guise.validation;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ViolationTest {

    @Test
    void toString_pathValueRule() {
        final Violation violation = Violation.ofLong("personas[2].port", 70000, "1-65535");
        assertThat(violation).hasToString("personas[2].port: 70000 (expected: 1-65535)");
    }

    @Test
    void ofString_quotes() {
        final Violation violation = Violation.ofString("id", "", "1-64 characters");
        assertThat(violation.value()).isEqualTo("\"\"");
    }

    @Test
    void ofDouble_nan() {
        assertThat(Violation.ofDouble("rate", Double.NaN, "finite").value()).isEqualTo("NaN");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
            "web            | \"web\"",
            "a\"b           | \"a\\\"b\"",
            "a\\b           | \"a\\\\b\"",
            "é              | \"é\""})
    void quote_escapes(String text, String quoted) {
        assertThat(Violation.quote(text)).isEqualTo(quoted);
    }

    @Test
    void quote_controlCharacters() {
        assertThat(Violation.quote("a\nb\tc\u0001")).isEqualTo("\"a\\nb\\tc\\u0001\"");
    }

    @Test
    void quote_cutsLongText() {
        final String quoted = Violation.quote("x".repeat(300));
        assertThat(quoted).isEqualTo("\"" + "x".repeat(80) + "...\" (300 characters)");
    }

    @Test
    void quote_keepsSurrogatePairWhole() {
        final String text = "x".repeat(79) + "\uD83D\uDE00" + "x".repeat(10);
        assertThat(Violation.quote(text)).isEqualTo("\"" + "x".repeat(79) + "...\" (91 characters)");
    }
}
