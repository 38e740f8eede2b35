package io.guise.validation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TlsCapabilitiesTest {

    private static final Set<String> TLS13_NAMES = Set.of("TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384",
            "TLS_CHACHA20_POLY1305_SHA256", "TLS_AES_128_CCM_SHA256", "TLS_AES_128_CCM_8_SHA256");

    @Test
    void jdk_servesTls12AndTls13() {
        assertThat(TlsCapabilities.jdk().protocols()).containsExactlyInAnyOrder("TLSv1.2", "TLSv1.3");
    }

    @Test
    void jdk_tls13SuitesAreIanaTls13Names() {
        final Set<String> suites = TlsCapabilities.jdk().suitesFor("TLSv1.3");
        assertThat(suites).contains("TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384");
        assertThat(TLS13_NAMES).containsAll(suites);
    }

    @Test
    void jdk_rsaLeavesOutEcdsaAndDss() {
        final Set<String> suites = TlsCapabilities.jdk().suitesFor("TLSv1.2");
        assertThat(suites).contains("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
        assertThat(suites).noneMatch(suite -> suite.contains("_ECDSA_"));
        assertThat(suites).noneMatch(suite -> suite.contains("_DSS_"));
        assertThat(suites).noneMatch(TLS13_NAMES::contains);
        assertThat(suites).doesNotContain("TLS_EMPTY_RENEGOTIATION_INFO_SCSV");
    }

    @Test
    void jdk_ecKeepsOnlyEcdsa() {
        final TlsCapabilities ec = TlsCapabilities.jdk("EC");
        assertThat(ec.suitesFor("TLSv1.2")).contains("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256");
        assertThat(ec.suitesFor("TLSv1.2")).allMatch(suite -> suite.contains("_ECDSA_"));
        assertThat(ec.suitesFor("TLSv1.3")).isEqualTo(TlsCapabilities.jdk().suitesFor("TLSv1.3"));
    }

    @Test
    void jdk_otherKeyAlgorithmRejected() {
        assertThatThrownBy(() -> TlsCapabilities.jdk("DSA"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("keyAlgorithm: DSA (expected: RSA or EC)");
    }

    @Test
    void of_classifiesSuitesByName() {
        final TlsCapabilities tls = TlsCapabilities.of(Set.of("TLSv1.2", "TLSv1.3"), new LinkedHashSet<>(List.of(
                "TLS_AES_256_GCM_SHA384", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_AES_128_GCM_SHA256",
                "TLS_EMPTY_RENEGOTIATION_INFO_SCSV")));
        assertThat(tls.suitesFor("TLSv1.3")).containsExactly("TLS_AES_256_GCM_SHA384", "TLS_AES_128_GCM_SHA256");
        assertThat(tls.suitesFor("TLSv1.2")).containsExactly("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
    }

    @Test
    void of_dropsProtocolsGuiseDoesNotServe() {
        final TlsCapabilities tls = TlsCapabilities.of(Set.of("TLSv1.1", "TLSv1.2", "SSLv3"),
                Set.of("TLS_AES_128_GCM_SHA256", "TLS_RSA_WITH_AES_128_CBC_SHA"));
        assertThat(tls.protocols()).containsExactly("TLSv1.2");
        assertThat(tls.suitesFor("TLSv1.3")).isEmpty();
        assertThat(tls.suitesFor("TLSv1.2")).containsExactly("TLS_RSA_WITH_AES_128_CBC_SHA");
    }

    @Test
    void suitesFor_unknownVersionEmpty() {
        assertThat(TlsCapabilities.jdk().suitesFor("TLSv1.1")).isEmpty();
        assertThat(TlsCapabilities.jdk().suitesFor("")).isEmpty();
    }
}
