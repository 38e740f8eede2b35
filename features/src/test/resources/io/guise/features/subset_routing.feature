Feature: Subset routing by destination address
  An access point takes the address a client connected to and finds the
  persona of the longest prefix in the subset map that contains it, for IPv4
  and IPv6 alike. A destination that no prefix contains is refused rather than
  sent somewhere by guess.

  Rule: L7 requests go to the persona of the longest matching prefix

    Background:
      Given the endpoint pools:
        | pool | endpoints | address   |
        | web  | 1         | 127.0.0.1 |
        | web6 | 1         | ::1       |
      And the personas:
        | id     | pool | address_family |
        | wide   | web  | IPv4           |
        | mid    | web  | IPv4           |
        | narrow | web  | IPv4           |
        | host   | web  | IPv4           |
        | v6     | web6 | IPv6           |
      And the subsets:
        | prefix       | persona |
        | 127.0.0.0/16 | wide    |
        | 127.1.0.0/16 | mid     |
        | 127.1.2.0/24 | narrow  |
        | 127.1.2.3/32 | host    |
        | ::1/128      | v6      |
      And an L7 access point on 127.0.0.1, 127.0.200.9, 127.1.0.1, 127.1.2.1, 127.1.2.3, 127.2.0.1 and ::1

    Scenario Outline: A request to <destination> is served by persona <persona>
      When a client sends a request to <destination>
      Then the response is 200 from persona "<persona>" and endpoint "<endpoint>"

      Examples:
        | destination | persona | endpoint | matching prefixes                        |
        | 127.0.0.1   | wide    | web-1    | 127.0.0.0/16                             |
        | 127.0.200.9 | wide    | web-1    | 127.0.0.0/16                             |
        | 127.1.0.1   | mid     | web-1    | 127.1.0.0/16                             |
        | 127.1.2.1   | narrow  | web-1    | 127.1.0.0/16, 127.1.2.0/24               |
        | 127.1.2.3   | host    | web-1    | 127.1.0.0/16, 127.1.2.0/24, 127.1.2.3/32 |
        | ::1         | v6      | web6-1   | ::1/128                                  |

    Scenario: A destination outside every subset gets 421 Misdirected Request
      When a client sends a request to 127.2.0.1
      Then the response is 421 with reason starting "no persona for destination"
      And the endpoints received no request

    Scenario: Removing a narrow prefix hands its addresses to the next longest one
      When subset 127.1.2.3/32 is removed from the access point's table
      And a client sends a request to 127.1.2.3
      Then the response is 200 from persona "narrow" and endpoint "web-1"

  Rule: L4 connections are relayed by the same map, and closed when nothing matches

    Background:
      Given a TCP endpoint "tcp-1" in pool "tcp"
      And the personas:
        | id    | pool |
        | relay | tcp  |
      And the subsets:
        | prefix       | persona |
        | 127.0.0.0/16 | relay   |
      And an L4 access point on 127.0.0.1 and 127.2.0.1

    Scenario: A connection to a mapped destination reaches the endpoint
      When a client connects to 127.0.0.1
      Then the first line it reads is "tcp-1"

    Scenario: A connection to an unmapped destination is closed without data
      When a client connects to 127.2.0.1
      Then the connection ends before any data arrives
