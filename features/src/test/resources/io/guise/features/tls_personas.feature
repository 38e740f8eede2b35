Feature: TLS personas
  A persona with TLS offers clients exactly its version and cipher suites and
  nothing else: no fallback to another version, no other suite. A client that
  cannot agree fails the handshake; one that can is proxied as usual.

  Background:
    Given the endpoint pools:
      | pool | endpoints |
      | web  | 1         |
    And the personas:
      | id     | pool | tls_version | cipher_suites                         |
      | legacy | web  | TLSv1.2     | TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 |
      | modern | web  | TLSv1.3     | TLS_AES_256_GCM_SHA384                |
    And the subsets:
      | prefix       | persona |
      | 127.0.0.1/32 | legacy  |
      | 127.0.0.2/32 | modern  |
    And an L7 access point on 127.0.0.1 and 127.0.0.2

  Scenario Outline: A client offering the persona's version and suite is served by <persona>
    When a TLS client offering <version> with <suite> connects to <destination>
    Then the handshake succeeds with <version> and <suite>
    And a request over it is answered 200 by persona "<persona>"

    Examples:
      | destination | persona | version | suite                                 |
      | 127.0.0.1   | legacy  | TLSv1.2 | TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 |
      | 127.0.0.2   | modern  | TLSv1.3 | TLS_AES_256_GCM_SHA384                |

  Scenario Outline: A client offering <version> with <suite> to <persona> fails the handshake
    When a TLS client offering <version> with <suite> connects to <destination>
    Then the handshake fails

    Examples:
      | destination | persona | version | suite                                 | mismatch                |
      | 127.0.0.1   | legacy  | TLSv1.3 | TLS_AES_128_GCM_SHA256                | version                 |
      | 127.0.0.1   | legacy  | TLSv1.2 | TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 | suite                   |
      | 127.0.0.2   | modern  | TLSv1.2 | TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 | version                 |
      | 127.0.0.2   | modern  | TLSv1.3 | TLS_AES_128_GCM_SHA256                | suite                   |
      | 127.0.0.2   | modern  | TLSv1.3 | TLS_CHACHA20_POLY1305_SHA256          | suite                   |

  Scenario: A plaintext request to a TLS persona gets no HTTP response
    When a client sends a plaintext request to 127.0.0.2
    Then the request fails without an HTTP response
    And the endpoints received no request
