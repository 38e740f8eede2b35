Feature: Weighted splits and sticky clients
  A subset can split its clients between personas by weight, for canaries and
  A/B tests. The arm of a client follows from a stable hash of its IP address
  and the split's seed, so a client stays in its arm on every request, on
  every access point, and while a canary grows.

  Background:
    Given the endpoint pools:
      | pool   | endpoints |
      | stable | 1         |
      | canary | 1         |
    And the personas:
      | id     | pool   |
      | stable | stable |
      | canary | canary |

  Scenario Outline: Clients are spread over the arms by weight, each staying in its arm
    Given the subsets:
      | prefix      | split                              | hash_seed |
      | 127.0.0.0/8 | stable <stable>, canary <canary>   | 7         |
    And an L7 access point on 127.0.0.1
    When 200 clients each send 4 requests to 127.0.0.1
    Then every request is answered 200
    And every client gets all its responses from one persona
    And the share of clients in persona "canary" is <canary>% within binomial bounds
    And every response of persona "canary" comes from endpoint "canary-1"

    Examples:
      | stable | canary |
      | 90     | 10     |
      | 50     | 50     |
      | 100    | 0      |
      | 0      | 100    |

  Scenario: A client gets the same arm from every access point
    Given the subsets:
      | prefix      | split                | hash_seed |
      | 127.0.0.0/8 | stable 50, canary 50 | 7         |
    And an L7 access point "ap-1" on 127.0.0.1
    And an L7 access point "ap-2" on 127.0.0.1
    When 100 clients each send 2 requests to 127.0.0.1 through "ap-1"
    And the same 100 clients each send 2 requests to 127.0.0.1 through "ap-2"
    Then every client is in the same arm on both access points

  Scenario: Growing the canary keeps the clients it already has
    Given the subsets:
      | prefix      | split                | hash_seed |
      | 127.0.0.0/8 | stable 90, canary 10 | 7         |
    And an L7 access point on 127.0.0.1
    When 200 clients each send 2 requests to 127.0.0.1
    And the split of 127.0.0.0/8 changes to stable 75, canary 25
    And the same 200 clients each send 2 requests to 127.0.0.1
    Then every client that was in persona "canary" is still in it
    And more clients are in persona "canary" than before
