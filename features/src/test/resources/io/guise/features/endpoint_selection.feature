Feature: Endpoint selection with priority tiers and panic
  Within a persona's pool, the access point sends traffic to healthy endpoints
  of the best tier (tier 0) first, by weight. A tier takes all the traffic
  while at least 1/1.4 of its weight is healthy; below that, the rest spills to
  the next tier. When no endpoint is healthy at all, traffic spreads over every
  endpoint instead of stopping (panic mode).

  Scenario Outline: Traffic moves between tiers with their health
    Given the endpoints:
      | endpoint | pool | tier | healthy |
      | web-1    | web  | 0    | <web-1> |
      | web-2    | web  | 0    | <web-2> |
      | web-3    | web  | 1    | yes     |
      | web-4    | web  | 1    | yes     |
    And the personas:
      | id  | pool |
      | web | web  |
    And the subsets:
      | prefix      | persona |
      | 127.0.0.0/8 | web     |
    And an L7 access point on 127.0.0.1
    When 400 requests are sent to 127.0.0.1
    Then every request is answered 200
    And endpoints web-1 and web-2 together served <tier 0>% of the requests within binomial bounds
    And endpoints marked unhealthy served no request

    Examples:
      | web-1 | web-2 | tier 0 | why                                             |
      | yes   | yes   | 100    | tier 0 is fully healthy                         |
      | no    | yes   | 70     | half of tier 0 is healthy: 1.4 x 50% stays      |
      | no    | no    | 0      | tier 0 has no healthy endpoint, tier 1 takes it |

  Scenario: Weights share a tier, and a drained endpoint gets nothing
    Given the endpoints:
      | endpoint | pool | tier | weight |
      | web-1    | web  | 0    | 3      |
      | web-2    | web  | 0    | 1      |
      | web-3    | web  | 0    | 0      |
    And the personas:
      | id  | pool |
      | web | web  |
    And the subsets:
      | prefix      | persona |
      | 127.0.0.0/8 | web     |
    And an L7 access point on 127.0.0.1
    When 400 requests are sent to 127.0.0.1
    Then every request is answered 200
    And endpoint web-1 served 75% of the requests within binomial bounds
    And endpoint web-3 served no request

  Scenario: With no healthy endpoint, traffic spreads over all of them
    Given the endpoints:
      | endpoint | pool | tier | healthy |
      | web-1    | web  | 0    | no      |
      | web-2    | web  | 0    | no      |
      | web-3    | web  | 1    | no      |
      | web-4    | web  | 1    | no      |
    And the personas:
      | id  | pool |
      | web | web  |
    And the subsets:
      | prefix      | persona |
      | 127.0.0.0/8 | web     |
    And an L7 access point on 127.0.0.1
    When 400 requests are sent to 127.0.0.1
    Then every request is answered 200
    And each of the endpoints web-1, web-2, web-3 and web-4 served 25% of the requests within binomial bounds
    And the access point counted 400 panic picks for persona "web"

  Scenario: An endpoint that stops answering is ejected after five failures in a row
    Given the endpoints:
      | endpoint | pool | tier |
      | web-1    | web  | 0    |
      | web-2    | web  | 0    |
    And the personas:
      | id  | pool |
      | web | web  |
    And the subsets:
      | prefix      | persona |
      | 127.0.0.0/8 | web     |
    And an L7 access point on 127.0.0.1
    And endpoint web-1 stops answering
    When 100 requests are sent in sequence to 127.0.0.1
    Then exactly 5 requests fail with status 502
    And every other response is 200 from endpoint "web-2"
    And the access point has ejected endpoint web-1
