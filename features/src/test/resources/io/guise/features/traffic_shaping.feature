Feature: Traffic shaping and rate limits
  An access point protects its endpoints and its most important traffic: a
  persona's token bucket turns away requests over its rate with 429, a full
  access point sheds the lowest-priority requests first with 503, and a subset
  with its own budget cannot take the slots that other subsets need.

  Rule: A persona's token bucket admits its burst, then its rate

    Scenario Outline: <requests> quick requests against a bucket of <rate> per second and burst <burst>
      Given the endpoint pools:
        | pool | endpoints |
        | web  | 1         |
      And the personas:
        | id      | pool | rate_limit.requests_per_second | rate_limit.burst |
        | limited | web  | <rate>                         | <burst>          |
      And the subsets:
        | prefix      | persona |
        | 127.0.0.0/8 | limited |
      And an L7 access point on 127.0.0.1
      When a client sends <requests> requests one after another to 127.0.0.1
      Then the first <burst> responses are 200
      And the 200 responses number <burst> plus at most what <rate> per second refills during the run
      And every other response is 429 with Retry-After and reason "rate limited: persona limited allows <rate> requests per second with a burst of <burst>"

      Examples:
        | rate | burst | requests |
        | 1    | 5     | 20       |
        | 2    | 10    | 30       |
        | 1    | 1     | 5        |

  Rule: When the access point is full, low-priority traffic is shed first

    Scenario: A flood of bulk traffic is shed while gold traffic is served
      Given the endpoint pools:
        | pool | endpoints | latency_ms |
        | slow | 1         | 20         |
      And the personas:
        | id   | pool | priority |
        | gold | slow | 900      |
        | bulk | slow | 10       |
      And the subsets:
        | prefix       | persona |
        | 127.0.0.1/32 | gold    |
        | 127.0.0.2/32 | bulk    |
      And the access point admits 2 requests at once and queues 4
      And an L7 access point on 127.0.0.1 and 127.0.0.2
      When 4 connections to 127.0.0.1 and 16 connections to 127.0.0.2 send requests for 2 seconds
      Then every request to 127.0.0.1 is answered 200
      And some requests to 127.0.0.2 are shed with 503
      And every request to 127.0.0.2 is answered 200 or shed with 503
      And the access point counted every 503 to 127.0.0.2 as shed for persona "bulk"

  Rule: A subset with its own budget cannot starve the others

    Scenario: A flood on one subset leaves another subset untouched
      Given the endpoint pools:
        | pool    | endpoints | latency_ms |
        | flooded | 1         | 20         |
        | quiet   | 1         | 20         |
      And the personas:
        | id    | pool    |
        | flood | flooded |
        | quiet | quiet   |
      And the subsets:
        | prefix       | persona | max_concurrent_requests |
        | 127.0.0.1/32 | flood   | 2                       |
        | 127.0.0.2/32 | quiet   | 0                       |
      And the access point admits 8 requests at once and queues 16
      And an L7 access point on 127.0.0.1 and 127.0.0.2
      When 16 connections to 127.0.0.1 and 4 connections to 127.0.0.2 send requests for 2 seconds
      Then every request to 127.0.0.2 is answered 200
      And some requests to 127.0.0.1 are shed with 503
      And every request to 127.0.0.1 is answered 200 or shed with 503
      And the access point counted every 503 to 127.0.0.1 as shed for persona "flood"
