import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { compileFilter, EndpointError, MAX_FILTER_DEPTH } from "../../src/endpoints/mod.ts";

const FIELDS = ["Node", "Service", "Checks", "Port", "Enabled"];

const ROW = {
  Node: { Node: "n1", Meta: { env: "prod", "rack-id": "r7" } },
  Service: { Service: "web", Tags: ["v1", "primary"], Meta: {} },
  Checks: [{ CheckID: "a", Status: "passing" }, { CheckID: "b", Status: "critical" }],
  Port: 8080,
  Enabled: true,
};

function matches(expression: string, row: unknown = ROW): boolean {
  return compileFilter(expression, FIELDS)(row);
}

describe("bexpr filter", () => {
  test("== and != compare strings, numbers and booleans", () => {
    assert.equal(matches('Node.Node == "n1"'), true);
    assert.equal(matches("Node.Node == n2"), false);
    assert.equal(matches("Node.Node != n2"), true);
    assert.equal(matches("Port == 8080"), true);
    assert.equal(matches("Port == 80"), false);
    assert.equal(matches("Enabled == true"), true);
    assert.equal(matches("Node.Meta.rack-id == `r7`"), true);
  });

  test("in, not in, contains and not contains look into lists, maps and strings", () => {
    assert.equal(matches("v1 in Service.Tags"), true);
    assert.equal(matches('"v2" not in Service.Tags'), true);
    assert.equal(matches("Service.Tags contains primary"), true);
    assert.equal(matches("Node.Meta contains env"), true);
    assert.equal(matches("Node.Node contains x"), false);
    assert.equal(matches("Checks.Status contains critical"), true);
    assert.equal(matches("Checks.Status not contains warning"), true);
  });

  test("is empty, is not empty, and missing map keys", () => {
    assert.equal(matches("Service.Meta is empty"), true);
    assert.equal(matches("Service.Tags is not empty"), true);
    assert.equal(matches("Node.Meta.missing is empty"), true);
    assert.equal(matches("Node.Meta.missing == x"), false);
    assert.equal(matches("Node.Meta.missing != x"), true);
  });

  test("matches uses a regular expression", () => {
    assert.equal(matches('Service.Service matches "^w.b$"'), true);
    assert.equal(matches('Service.Service not matches "^db"'), true);
  });

  test("and binds tighter than or; not and parentheses group", () => {
    assert.equal(matches("Port == 1 and Port == 8080 or Enabled == true"), true);
    assert.equal(matches("Port == 1 and (Port == 8080 or Enabled == true)"), false);
    assert.equal(matches("not Port == 1"), true);
    assert.equal(matches("not (Port == 8080 and v1 in Service.Tags)"), false);
  });

  test("bad expressions are refused with Consul's prefix and a position", () => {
    const bad = [
      "Port ==",
      "Port = 1",
      "(Port == 1",
      '"unterminated',
      "Port == 1 and",
      'Service.Service matches "("',
      "Nope == 1",
      `${"(".repeat(MAX_FILTER_DEPTH + 1)}Port == 1${")".repeat(MAX_FILTER_DEPTH + 1)}`,
    ];
    for (const expression of bad) {
      assert.throws(() => compileFilter(expression, FIELDS), (error: unknown) => {
        assert.ok(error instanceof EndpointError, expression);
        assert.equal(error.kind, "bad_request");
        assert.match(error.message, /^Failed to create boolean expression evaluator: /);
        return true;
      });
    }
  });
});
