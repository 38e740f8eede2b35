package io.guise.subset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class CidrPrefixTest {

    @Test
    void parse_ipv4() {
        final CidrPrefix prefix = CidrPrefix.parse("10.1.0.0/16");

        assertThat(prefix.isIpv4()).isTrue();
        assertThat(prefix.length()).isEqualTo(16);
        assertThat(prefix.ipv4Bits()).isEqualTo(0x0A01_0000);
        assertThat(prefix.isCanonical()).isTrue();
        assertThat(prefix.text()).isEqualTo("10.1.0.0/16");
        assertThat(prefix).hasToString("10.1.0.0/16");
    }

    @Test
    void parse_ipv4HighBitAddress() {
        final CidrPrefix prefix = CidrPrefix.parse("255.255.255.255/32");

        assertThat(prefix.ipv4Bits()).isEqualTo(0xFFFF_FFFF);
        assertThat(prefix).hasToString("255.255.255.255/32");
    }

    @Test
    void parse_ipv4HostBitsSet() {
        final CidrPrefix prefix = CidrPrefix.parse("10.1.2.3/8");

        assertThat(prefix.isCanonical()).isFalse();
        assertThat(prefix.ipv4Bits()).isEqualTo(0x0A00_0000);
        assertThat(prefix.text()).isEqualTo("10.1.2.3/8");
        assertThat(prefix).hasToString("10.0.0.0/8");
    }

    @Test
    void parse_ipv4ZeroLength() {
        final CidrPrefix prefix = CidrPrefix.parse("1.2.3.4/0");

        assertThat(prefix.isCanonical()).isFalse();
        assertThat(prefix).hasToString("0.0.0.0/0");
    }

    @Test
    void parse_ipv6() {
        final CidrPrefix prefix = CidrPrefix.parse("2001:DB8:0:0::/32");

        assertThat(prefix.isIpv4()).isFalse();
        assertThat(prefix.length()).isEqualTo(32);
        assertThat(prefix.ipv6High()).isEqualTo(0x2001_0DB8_0000_0000L);
        assertThat(prefix.ipv6Low()).isZero();
        assertThat(prefix.isCanonical()).isTrue();
        assertThat(prefix).hasToString("2001:db8::/32");
    }

    @Test
    void parse_ipv6HostBitsSet() {
        final CidrPrefix prefix = CidrPrefix.parse("2001:db8::1/64");

        assertThat(prefix.isCanonical()).isFalse();
        assertThat(prefix.ipv6Low()).isZero();
        assertThat(prefix).hasToString("2001:db8::/64");
    }

    @Test
    void parse_ipv6Full128() {
        final CidrPrefix prefix = CidrPrefix.parse("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128");

        assertThat(prefix.ipv6High()).isEqualTo(-1L);
        assertThat(prefix.ipv6Low()).isEqualTo(-1L);
        assertThat(prefix.isCanonical()).isTrue();
    }

    @Test
    void parse_ipv6LengthInLowHalf() {
        final CidrPrefix prefix = CidrPrefix.parse("::ffff:ffff:ffff:ffff/65");

        assertThat(prefix.ipv6Low()).isEqualTo(Long.MIN_VALUE);
        assertThat(prefix.isCanonical()).isFalse();
    }

    @Test
    void parse_ipv4MappedStaysIpv6() {
        final CidrPrefix prefix = CidrPrefix.parse("::ffff:10.0.0.0/104");

        assertThat(prefix.isIpv4()).isFalse();
        assertThat(prefix.ipv6High()).isZero();
        assertThat(prefix.ipv6Low()).isEqualTo(0xFFFF_0A00_0000L);
        assertThat(prefix).hasToString("::ffff:10.0.0.0/104");
    }

    @Test
    void parse_ipv4MappedHexForm() {
        final CidrPrefix prefix = CidrPrefix.parse("::ffff:a00:0/104");

        assertThat(prefix.isIpv4()).isFalse();
        assertThat(prefix).isEqualTo(CidrPrefix.parse("::ffff:10.0.0.0/104"));
    }

    @Test
    void parse_ipv4CompatibleStays128Bits() {
        final CidrPrefix prefix = CidrPrefix.parse("::1.2.3.4/128");

        assertThat(prefix.ipv6Low()).isEqualTo(0x0102_0304L);
        assertThat(prefix).hasToString("::102:304/128");
    }

    @ParameterizedTest
    @CsvSource({
        "::/0, ::/0",
        "::1/128, ::1/128",
        "1::/16, 1::/16",
        "2001:db8:0:1:0:0:0:1/128, 2001:db8:0:1::1/128",
        "2001:0:0:1:0:0:0:1/128, 2001:0:0:1::1/128",
        "2001:0:0:1:0:0:1:1/128, 2001::1:0:0:1:1/128",
        "2001:db8:0:1:1:1:1:1/128, 2001:db8:0:1:1:1:1:1/128",
        "2001:DB8::ABCD/128, 2001:db8::abcd/128",
    })
    void toString_rfc5952(String text, String expected) {
        assertThat(CidrPrefix.parse(text)).hasToString(expected);
    }

    @Test
    void equals_twoSpellings() {
        final CidrPrefix a = CidrPrefix.parse("2001:db8::/32");
        final CidrPrefix b = CidrPrefix.parse("2001:0db8:0000::/32");

        assertThat(a).isEqualTo(b);
        assertThat(a.hashCode()).isEqualTo(b.hashCode());
    }

    @Test
    void equals_familiesDiffer() {
        assertThat(CidrPrefix.parse("0.0.0.0/0")).isNotEqualTo(CidrPrefix.parse("::/0"));
    }

    @Test
    void ofIpv4_clearsHostBits() {
        final CidrPrefix prefix = CidrPrefix.ofIpv4(0x0A01_0203, 8);

        assertThat(prefix).isEqualTo(CidrPrefix.parse("10.0.0.0/8"));
        assertThat(prefix.text()).isEqualTo("10.0.0.0/8");
    }

    @Test
    void ipv4Bits_onIpv6Prefix() {
        assertThatThrownBy(() -> CidrPrefix.parse("::/0").ipv4Bits())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("::/0");
    }

    @Test
    void ipv6High_onIpv4Prefix() {
        assertThatThrownBy(() -> CidrPrefix.parse("10.0.0.0/8").ipv6High())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("10.0.0.0/8");
    }

    @ParameterizedTest
    @ValueSource(strings = {"10.0.0.0", "10.0.0.0/8/8", "::"})
    void parse_missingSlash(String text) {
        assertThatThrownBy(() -> CidrPrefix.parse(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'" + text + "'");
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "/8", "10.0.0.256/32", "10.0.0/24", "010.0.0.0/8", "10.00.0.0/16", "1.2.3.4.5/32", "host.example/8",
        "localhost/8", ".1:2::/32", "2001:db8::g/32", "1:2:3:4:5:6:7:8:9/128", "12345::/16", " 10.0.0.0/8",
        "fe80::1%eth0/64", "[::1]/128", "::ffff:1.2.3/128",
    })
    void parse_invalidAddress(String text) {
        assertThatThrownBy(() -> CidrPrefix.parse(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'" + text + "'")
                .hasMessageContaining("literal");
    }

    @ParameterizedTest
    @ValueSource(strings = {"10.0.0.0/33", "10.0.0.0/", "10.0.0.0/-1", "10.0.0.0/08", "10.0.0.0/+8", "::/129",
        "::/1000", "::/x"})
    void parse_invalidLength(String text) {
        assertThatThrownBy(() -> CidrPrefix.parse(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'" + text + "'")
                .hasMessageContaining("prefix length");
    }

    @Test
    void parse_invalidLengthNamesRange() {
        assertThatThrownBy(() -> CidrPrefix.parse("::/129")).hasMessageContaining("0-128");
        assertThatThrownBy(() -> CidrPrefix.parse("1.2.3.0/33")).hasMessageContaining("0-32");
    }

    @Test
    void isIpLiteral_families() {
        assertThat(CidrPrefix.isIpv4Literal("192.0.2.1")).isTrue();
        assertThat(CidrPrefix.isIpv4Literal("::1")).isFalse();
        assertThat(CidrPrefix.isIpv6Literal("::1")).isTrue();
        assertThat(CidrPrefix.isIpv6Literal("::ffff:192.0.2.1")).isTrue();
        assertThat(CidrPrefix.isIpLiteral("example.com")).isFalse();
    }
}
