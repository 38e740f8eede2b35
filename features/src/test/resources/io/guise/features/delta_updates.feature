Feature: Delta updates, ACK and NACK, reconnect and resync
  The manager pushes each accepted change to every connected access point as a
  delta from the revision it holds. An access point applies a delta whole or
  not at all and acknowledges it (ACK). It rejects a delta it cannot serve with a
  NACK that gives the reason, and keeps its table. After a lost link it catches up from the
  revision it holds, or from a full snapshot when the manager's store changed.

  Background:
    Given the endpoint pools:
      | pool  | endpoints |
      | alpha | 1         |
      | beta  | 1         |
    And a persona manager with a data directory and a distribution server
    And an operator applies the personas, endpoints and subsets:
      | persona | pool  | prefix       |
      | alpha   | alpha | 127.0.0.2/32 |
      | beta    | beta  | 127.0.0.3/32 |
    And access points "ap-1" and "ap-2" on 127.0.0.2 and 127.0.0.3 follow the manager
    And every access point serves revision 1

  Scenario: A change reaches every access point as a delta and is acknowledged
    When an operator points persona "alpha" at pool "beta"
    Then every access point serves revision 2
    And a request to 127.0.0.2 through each access point is served by endpoint "beta-1"
    And the manager lists these access points:
      | id   | connected | applied_revision | last_nack_reason |
      | ap-1 | true      | 2                |                  |
      | ap-2 | true      | 2                |                  |
    And no access point received a full snapshot after the first one

  Scenario: An access point rejects a change it cannot serve and keeps its table
    Given an access point "ap-lean" on 127.0.0.2 and 127.0.0.3 that supports only TLS_AES_128_GCM_SHA256 follows the manager
    And every access point serves revision 1
    When an operator creates a TLSv1.3 persona "secure" with suite TLS_AES_256_GCM_SHA384
    Then access points "ap-1" and "ap-2" serve revision 2
    And access point "ap-lean" rejects revision 2 with a NACK naming "cipher_suites" and "TLS_AES_256_GCM_SHA384"
    And access point "ap-lean" still serves revision 1
    And a request to 127.0.0.2 through "ap-lean" is served by endpoint "alpha-1"
    When an operator deletes persona "secure"
    Then every access point serves revision 3

  Scenario: An access point that lost its link catches up with a delta when it returns
    Given access point "ap-1" loses its link to the manager
    When an operator deletes subset 127.0.0.3/32
    And an operator points persona "alpha" at pool "beta"
    Then access point "ap-2" serves revision 3
    And access point "ap-1" still serves revision 1
    And a request to 127.0.0.3 through "ap-1" is served by endpoint "beta-1"
    When the link of access point "ap-1" comes back
    Then every access point serves revision 3
    And no access point received a full snapshot after the first one
    And a request to 127.0.0.3 through "ap-1" gets 421
    And a request to 127.0.0.2 through "ap-1" is served by endpoint "beta-1"

  Scenario: Access points resync from a full snapshot when the manager's store is replaced
    When the manager restarts with an empty store on the same distribution address
    And an operator applies the personas, endpoints and subsets:
      | persona | pool | prefix       |
      | alpha   | beta | 127.0.0.2/32 |
    Then every access point adopts the new store at revision 1 from a full snapshot
    And a request to 127.0.0.2 through each access point is served by endpoint "beta-1"
    And a request to 127.0.0.3 through each access point gets 421
