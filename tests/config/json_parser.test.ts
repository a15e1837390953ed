import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { ConfigError, parseJson } from "../../src/config/mod.ts";
import { lineAt } from "../../src/config/positions.ts";
import { SECONDARY_JSON } from "./_fixtures.ts";

function jsonError(src: string): ConfigError {
  try {
    parseJson(src, "bad.json");
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return error;
  }
  assert.fail("expected a JSON error");
}

describe("JSON parser", () => {
  test("parses the same values as JSON.parse", () => {
    assert.deepEqual(parseJson(SECONDARY_JSON, "s.json").value, JSON.parse(SECONDARY_JSON));
  });

  test("records the line of nested keys and list elements", () => {
    const document = parseJson(SECONDARY_JSON, "s.json");
    assert.equal(lineAt(document, ["primary_gateways"]), 8);
    assert.equal(lineAt(document, ["connect", "enable_mesh_gateway_wan_federation"]), 12);
    assert.equal(lineAt(document, ["tls", "internal_rpc", "verify_server_hostname"]), 23);
  });

  test("a syntax error names the line and the key", () => {
    const error = jsonError('{\n  "server": true,\n  "datacenter": "dc1"\n  "node_name": "n"\n}');
    assert.equal(error.line, 4);
    assert.match(error.message, /^bad\.json:4: Expected "," or "}" after "datacenter"/);
  });

  test("rejects trailing commas, comments and a non-object top level", () => {
    assert.match(jsonError('{"a": 1,}').message, /Expected a quoted key/);
    assert.match(jsonError('{"a": 1} // c').message, /Unexpected text/);
    assert.match(jsonError("[1]").message, /must hold an object/);
  });
});
