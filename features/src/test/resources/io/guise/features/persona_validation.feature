Feature: Persona validation
  The persona manager checks every persona before it stores it. A rejected
  write leaves no trace: no new revision, nothing stored, nothing pushed to
  access points. Each problem is reported with the field, the value it had and
  the rule it breaks, so the operator can fix the document without guessing.

  Background:
    Given a persona manager with an empty store

  Scenario Outline: A persona with a bad <field> is rejected
    When an operator creates persona "web" with <field> set to <value>
    Then the manager rejects the write with status 400 and these violations:
      | path    | value   | rule   |
      | <field> | <shown> | <rule> |
    And the manager stores no persona and stays at revision 0

    Examples: numbers out of range
      | field                | value   | shown   | rule                                                            |
      | port                 | 70000   | 70000   | 1-65535                                                         |
      | port                 | 0       | 0       | 1-65535                                                         |
      | priority             | 1001    | 1001    | 0-1000                                                          |
      | simulated_latency_ms | -5      | -5      | 0-3600000 milliseconds, capped at one hour to keep timers sane  |
      | jitter_ms            | 3600001 | 3600001 | 0-3600000 milliseconds, capped at one hour to keep timers sane  |
      | error_rate_percent   | 100.5   | 100.5   | a finite percentage from 0 to 100, such as 0.1                  |
      | error_status         | 302     | 302     | 0 for 503, or 400-599                                           |

    Examples: words outside their choices
      | field           | value   | shown   | rule                                                                      |
      | address_family  | "IPv5"  | "IPv5"  | "IPv4" or "IPv6"                                                          |
      | address         | "::1"   | "::1"   | an IPv4 literal, because address_family is "IPv4", or a hostname or pool name |
      | l4_error_action | "drop"  | "drop"  | "" or "reset" for a TCP RST, or "close" for an orderly FIN                |
      | tls_version     | "SSLv3" | "SSLv3" | "" for plaintext, "TLSv1.2" or "TLSv1.3"                                  |

  Scenario: Every problem of a persona is reported at once
    When an operator creates a persona from this document:
      """
      {"id": "web", "address_family": "IPv4", "address": "web", "port": 0,
       "priority": -1, "error_rate_percent": 150}
      """
    Then the manager rejects the write with status 400 and these violations:
      | path               | value | rule                                           |
      | port               | 0     | 1-65535                                        |
      | priority           | -1    | 0-1000                                         |
      | error_rate_percent | 150.0 | a finite percentage from 0 to 100, such as 0.1 |
    And the manager stores no persona and stays at revision 0

  Scenario Outline: Cipher suites must belong to the persona's TLS version
    When an operator creates a persona from this document:
      """
      {"id": "secure", "address_family": "IPv4", "address": "web", "port": 443,
       "tls_version": "<version>", "cipher_suites": [<suites>]}
      """
    Then the manager rejects the write with status 400 and these violations:
      | path   | value   | rule   |
      | <path> | <shown> | <rule> |
    And the manager stores no persona and stays at revision 0

    Examples:
      | version | suites                                                        | path             | shown                     | rule                                                          |
      | TLSv1.2 | "TLS_AES_128_GCM_SHA256"                                      | cipher_suites[0] | "TLS_AES_128_GCM_SHA256"  | a TLSv1.2 cipher suite that this access point supports: ...   |
      | TLSv1.3 | "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"                       | cipher_suites[0] | "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256" | a TLSv1.3 cipher suite that this access point supports: ... |
      | TLSv1.3 |                                                               | cipher_suites    | []                        | at least one TLSv1.3 cipher suite, from: ...                  |
      |         | "TLS_AES_128_GCM_SHA256"                                      | cipher_suites    | ["TLS_AES_128_GCM_SHA256"] | an empty list, because tls_version is "", which means plaintext |
      | TLSv1.3 | "TLS_AES_128_GCM_SHA256", "TLS_AES_128_GCM_SHA256"            | cipher_suites[1] | "TLS_AES_128_GCM_SHA256"  | each suite once, but cipher_suites[0] is the same             |

  Scenario: A field the schema does not know is rejected by name
    When an operator creates a persona from this document:
      """
      {"id": "web", "address_family": "IPv4", "address": "web", "port": 8080, "colour": "blue"}
      """
    Then the manager rejects the document with status 400 and a problem naming "colour"
    And the manager stores no persona and stays at revision 0

  Scenario: One bad persona in an applied document rejects the whole document
    Given the manager has persona "web" at revision 1
    When an operator applies this document:
      """
      {"personas": [
        {"id": "api", "address_family": "IPv4", "address": "api", "port": 8081},
        {"id": "blue", "address_family": "IPv4", "address": "blue", "port": 0}
      ]}
      """
    Then the manager rejects the write with status 400 and these violations:
      | path              | value | rule    |
      | personas[1].port  | 0     | 1-65535 |
    And the manager has only persona "web" at revision 1
