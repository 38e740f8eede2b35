Feature: Error injection
  A persona can fail a share of its traffic on purpose: each L7 request, or
  each L4 connection, fails with the persona's error rate, drawn from the
  access point's seeded random source. Injected errors come from the access
  point itself, carry "x-guise-fault: injected" and never reach an endpoint.

  Background:
    Given the endpoint pools:
      | pool | endpoints |
      | web  | 1         |

  Scenario Outline: <rate>% of requests fail with status <status>
    Given the personas:
      | id    | pool | error_rate_percent | error_status   |
      | flaky | web  | <rate>             | <error status> |
    And the subsets:
      | prefix      | persona |
      | 127.0.0.0/8 | flaky   |
    And an L7 access point on 127.0.0.1
    When <requests> requests are sent to 127.0.0.1
    Then all <requests> requests get a response
    And the injected responses are <rate>% of <requests> within binomial bounds
    And every injected response has status <status>
    And every other response is 200 from endpoint "web-1"
    And endpoint "web-1" received exactly the requests that were not injected

    Examples:
      | rate | error status | status | requests | note                        |
      | 0    | 0            | 503    | 200      | no errors at all            |
      | 10   | 0            | 503    | 400      | 0 means the default, 503    |
      | 25   | 500          | 500    | 400      |                             |
      | 50   | 429          | 429    | 400      | a 4xx status works too      |
      | 100  | 502          | 502    | 100      | every request fails         |

  Scenario: The same seed makes the same decisions
    Given the personas:
      | id    | pool | error_rate_percent |
      | flaky | web  | 30                 |
    And the subsets:
      | prefix      | persona |
      | 127.0.0.0/8 | flaky   |
    And an L7 access point "seed-42-a" on 127.0.0.1 with seed 42
    And an L7 access point "seed-42-b" on 127.0.0.1 with seed 42
    And an L7 access point "seed-43" on 127.0.0.1 with seed 43
    When 100 requests are sent in sequence to 127.0.0.1 through each access point
    Then "seed-42-a" and "seed-42-b" injected errors into the same requests
    And "seed-42-a" and "seed-43" injected errors into different requests

  Scenario Outline: An injected L4 error ends the connection with a <action>
    Given a TCP endpoint "tcp-1" in pool "tcp"
    And the personas:
      | id    | pool | error_rate_percent | l4_error_action |
      | relay | tcp  | 100                | <action>        |
    And the subsets:
      | prefix      | persona |
      | 127.0.0.0/8 | relay   |
    And an L4 access point on 127.0.0.1
    When a client connects to 127.0.0.1
    Then the connection <outcome>
    And endpoint "tcp-1" accepted no connection

    Examples:
      | action | outcome                                 |
      | reset  | is reset                                |
      | close  | ends before any data arrives            |
