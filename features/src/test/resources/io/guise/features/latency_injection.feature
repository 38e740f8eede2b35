Feature: Latency injection
  A persona can add a fixed delay and a random jitter to its traffic: before
  each request on an L7 listener, and before the upstream connection on an L4
  listener. The endpoints themselves answer at once here, so what a client
  measures is the injected delay plus the proxy's own small cost.

  Background:
    Given the endpoint pools:
      | pool | endpoints |
      | web  | 1         |

  Scenario Outline: Every request waits at least the persona's latency
    Given the personas:
      | id   | pool | simulated_latency_ms | jitter_ms |
      | slow | web  | <latency>            | <jitter>  |
    And the subsets:
      | prefix      | persona |
      | 127.0.0.0/8 | slow    |
    And an L7 access point on 127.0.0.1
    When a client sends 20 requests one after another to 127.0.0.1
    Then every response is 200 from persona "slow"
    And no response takes less than <latency> ms
    And the median response takes less than <median below> ms
    And the slowest and the fastest response differ by at least <spread> ms

    Examples:
      | latency | jitter | median below | spread | what it shows                         |
      | 0       | 0      | 200          | 0      | no injection, the baseline            |
      | 60      | 0      | 260          | 0      | a fixed delay                         |
      | 40      | 80     | 320          | 20     | a delay with jitter spreads responses |

  Scenario: Only the persona with latency is slowed down
    Given the personas:
      | id   | pool | simulated_latency_ms |
      | slow | web  | 80                   |
      | fast | web  | 0                    |
    And the subsets:
      | prefix       | persona |
      | 127.0.0.1/32 | slow    |
      | 127.0.0.2/32 | fast    |
    And an L7 access point on 127.0.0.1 and 127.0.0.2
    When a client sends 10 requests one after another to 127.0.0.2
    Then every response is 200 from persona "fast"
    And the median response takes less than 80 ms

  Scenario: An L4 persona delays the relayed connection
    Given a TCP endpoint "tcp-1" in pool "tcp"
    And the personas:
      | id    | pool | simulated_latency_ms |
      | relay | tcp  | 100                  |
    And the subsets:
      | prefix      | persona |
      | 127.0.0.0/8 | relay   |
    And an L4 access point on 127.0.0.1
    When a client connects to 127.0.0.1
    Then the first line it reads is "tcp-1"
    And the first line took at least 100 ms to arrive
