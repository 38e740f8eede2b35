Feature: Demotion of failing endpoints
  Every access point reports to the manager how each endpoint answered. When an
  endpoint fails more than its share, the manager moves it to a lower priority
  tier, so every access point stops sending it traffic, not only the one that
  saw the failures. When most of a pool fails at once, the manager demotes
  nothing: the fault is fleet-wide and there is no better endpoint to move to.

  The access point acts first and on its own: after a few failures in a row it
  ejects the endpoint locally and retries the failed requests elsewhere. A
  demoted endpoint gets no traffic, so the manager cannot see it recover. Once
  the access point's ejection has run out, the manager restores the endpoint
  after a number of windows without enough requests to judge it, and the
  access point's next request probes it and confirms that it answers again.

  Background:
    Given a persona manager that judges endpoint health every 300 ms with:
      | min_requests           | 3    |
      | max_error_rate_percent | 20   |
      | restore_after_windows  | 10   |
      | min_latency_outlier_ms | 1000 |
    And the endpoint pools:
      | pool | endpoints | latency_ms |
      | api  | 3         | 1          |
    And an operator applies the personas, endpoints and subsets:
      | persona | pool | prefix       |
      | api     | api  | 127.0.0.2/32 |
    And access point "ap-1" on 127.0.0.2 follows the manager, reports health every 300 ms, retries failed requests and ejects an endpoint for 3000 ms after 5 failures in a row
    And access point "ap-1" serves revision 1

  Scenario: A failing endpoint is ejected, demoted, kept out and restored
    When endpoint api-2 starts answering every request with 500
    And 60 requests are sent to 127.0.0.2 within 100 ms
    Then every one of them is answered 200
    And the access point has ejected endpoint api-2
    And the manager demotes api-2 from tier 0 to tier 1 within three health intervals
    And the decision log shows why: api-2 failed 100% of at least 3 requests reported by "ap-1"
    When 60 requests are sent to 127.0.0.2 within 100 ms
    Then endpoint api-2 received none of them
    When endpoint api-2 recovers
    Then the manager restores api-2 to tier 0 after 10 windows without enough requests to judge it
    And requests to 127.0.0.2 reach endpoint api-2 again

  Scenario: When every endpoint of a pool fails, none is demoted and traffic still flows
    When endpoints api-1, api-2 and api-3 start answering half of their requests with 500
    And 120 requests are sent to 127.0.0.2 within 100 ms
    Then the manager holds api-1, api-2 and api-3 as a fleet-wide fault and demotes none of them
    And each of them gets a response from an endpoint, and some are answered 200
