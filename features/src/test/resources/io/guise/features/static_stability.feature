Feature: Static stability while the manager is down
  An access point that loses the manager keeps serving the last table it
  applied, and it keeps that table in a state file so that it can serve it
  again after its own restart, before the manager is back. When the manager
  returns, the access point resumes from the revision it holds.

  Background:
    Given the endpoint pools:
      | pool | endpoints |
      | web  | 1         |
    And a persona manager with a data directory and a distribution server
    And an operator applies the personas, endpoints and subsets:
      | persona | pool | prefix      |
      | web     | web  | 127.0.0.0/8 |
    And access point "ap-1" on 127.0.0.1 follows the manager with a state file
    And every access point serves revision 1

  Scenario: The access point keeps serving while the manager is down
    When the manager stops
    And 100 requests are sent to 127.0.0.1
    Then every request is answered 200 by persona "web"
    And access point "ap-1" still serves revision 1
    When the manager starts again on the same data directory
    And an operator points subset 127.0.0.0/8 at a new persona "canary" on pool "web"
    Then every access point serves revision 3
    And a request to 127.0.0.1 through "ap-1" is served by persona "canary"

  Scenario: A restarted access point serves its state file before the manager returns
    When the manager stops
    And access point "ap-1" restarts
    Then access point "ap-1" serves revision 1 without a link to the manager
    And a request to 127.0.0.1 through "ap-1" is served by persona "web"
    When the manager starts again on the same data directory
    Then the manager lists these access points:
      | id   | connected | applied_revision | last_nack_reason |
      | ap-1 | true      | 1                |                  |

  Scenario: Without a state file a restarted access point has nothing to serve until the manager returns
    When the manager stops
    And access point "ap-1" restarts without its state file
    Then a request to 127.0.0.1 through "ap-1" gets 421
    When the manager starts again on the same data directory
    Then every access point serves revision 1
    And a request to 127.0.0.1 through "ap-1" is served by persona "web"
