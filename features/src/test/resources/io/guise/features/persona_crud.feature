Feature: Persona changes and revisions through the manager's admin API
  Every accepted change to a persona is a new revision of the whole routing
  state, one more than the last. Reads and writes return the revision in the
  body and as an ETag, and a write may name the revision it expects in
  If-Match, so two operators cannot overwrite each other's change unnoticed.

  Background:
    Given a persona manager with an empty store

  Scenario: A persona is created, read, changed and deleted, one revision per change
    When an operator creates persona "web" with port 8080
    Then the manager responds 201 at revision 1 with ETag "1"
    And persona "web" reads back with port 8080 at revision 1
    When an operator replaces persona "web" with port 9090
    Then the manager responds 200 at revision 2 with ETag "2"
    And persona "web" reads back with port 9090 at revision 2
    When an operator replaces persona "web" with port 9090
    Then the manager responds 200 at revision 2 and reports no change
    When an operator deletes persona "web"
    Then the manager responds 200 at revision 3 with ETag "3"
    And reading persona "web" returns 404

  Scenario: Creating a persona that already exists is a conflict
    Given the manager has persona "web" at revision 1
    When an operator creates persona "web" with port 9090
    Then the manager responds 409 with an error containing "already exists"
    And persona "web" reads back with port 8080 at revision 1

  Scenario Outline: A write that names a revision in If-Match succeeds only at that revision
    Given the manager has personas "web" and "api" at revision 2
    When an operator deletes persona "api" with If-Match <if match>
    Then the manager responds <status>
    And the manager is at revision <revision>

    Examples:
      | if match | status | revision | why                                   |
      | "1"      | 409    | 2        | revision 1 is stale                   |
      | "2"      | 200    | 3        | the current revision, as an ETag      |
      | 2        | 200    | 3        | the current revision, bare            |
      | *        | 200    | 3        | any revision                          |
      | "soon"   | 400    | 2        | not a revision                        |

  Scenario: A persona that a subset routes to cannot be deleted
    Given the manager has persona "web" at revision 1
    And subset 10.0.0.0/8 routes to persona "web" at revision 2
    When an operator deletes persona "web"
    Then the manager responds 409 with an error containing "10.0.0.0/8"
    And the manager is at revision 2

  Scenario: Personas and revisions survive a manager restart
    Given the manager has personas "web" and "api" at revision 2
    When the manager restarts on the same data directory
    Then the manager lists personas "web" and "api" at revision 2
    When an operator replaces persona "web" with port 9090
    Then the manager responds 200 at revision 3 with ETag "3"
