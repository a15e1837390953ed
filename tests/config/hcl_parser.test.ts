import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { ConfigError, parseHcl } from "../../src/config/mod.ts";
import { lineAt } from "../../src/config/positions.ts";
import { SERVER_HCL, SYNTAX_CORNERS_HCL, WANFED_SECONDARY_HCL } from "./_fixtures.ts";

function syntaxError(src: string): ConfigError {
  try {
    parseHcl(src, "bad.hcl");
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected ConfigError, got ${error}`);
    return error;
  }
  assert.fail("expected a syntax error");
}

describe("HCL parser", () => {
  test("decodes blocks as one-element lists, like Consul's HCL 1 decoder", () => {
    const { value } = parseHcl(WANFED_SECONDARY_HCL, "dc2.hcl");
    assert.deepEqual(value, {
      primary_gateways: ["192.0.2.10:8443", "192.0.2.11:8443"],
      connect: [{ enabled: true, enable_mesh_gateway_wan_federation: true }],
    });
  });

  test("reads a full server config with nested blocks and comments", () => {
    const { value } = parseHcl(SERVER_HCL, "server.hcl");
    assert.equal(value.bootstrap_expect, 3);
    assert.deepEqual(value.ports, [{ http: 8500, https: 8501, grpc: 8502, dns: 8600 }]);
    const tls = (value.tls as Record<string, unknown>[])[0];
    const defaults = (tls.defaults as Record<string, unknown>[])[0];
    assert.equal(defaults.verify_incoming, true);
    assert.equal((value.retry_join as string[])[2], "provider=aws tag_key=consul tag_value=server");
  });

  test("handles heredocs, escapes, hex and negative numbers, trailing commas", () => {
    const { value } = parseHcl(SYNTAX_CORNERS_HCL, "corners.hcl");
    assert.equal(value.node_name, "web-1");
    assert.equal(value.encrypt, "pUqJrVyVRj5jsiYEkM/tFQYfWyJIv4s3XkvDwy7Cu5s=\n");
    assert.deepEqual(value.retry_join, ["a.example", "b.example"]);
    assert.deepEqual(value.ports, [{ http: 0x2134, dns: -1 }]);
    assert.deepEqual(value.services, [{ name: "web", port: 80 }]);
  });

  test('nests block labels as keys: service "web" { } becomes service: [{ web: [{ }] }]', () => {
    const { value } = parseHcl('service "web" "v2" { port = 80 }\nservice "db" {}', "s.hcl");
    assert.deepEqual(value, {
      service: [{ web: [{ v2: [{ port: 80 }] }] }, { db: [{}] }],
    });
  });

  test("repeated blocks append, repeated attributes keep the last value", () => {
    const { value } = parseHcl("t { a = 1 }\nt { b = 2 }\nx = 1\nx = 2", "r.hcl");
    assert.deepEqual(value, { t: [{ a: 1 }, { b: 2 }], x: 2 });
  });

  test("<<-EOF removes the common indentation", () => {
    const { value } = parseHcl("a = <<-EOT\n    hi\n      there\n    EOT\n", "h.hcl");
    assert.equal(value.a, "hi\n  there\n");
  });

  test("keeps ${...} interpolations literally and decodes octal and unicode escapes", () => {
    const { value } = parseHcl('a = "${x["y"]} \\101 \\u00e9"', "i.hcl");
    assert.equal(value.a, '${x["y"]} A é');
  });

  test("records the line of every key, inside blocks too", () => {
    const document = parseHcl(SERVER_HCL, "server.hcl");
    assert.equal(lineAt(document, ["datacenter"]), 2);
    assert.equal(lineAt(document, ["tls", "defaults", "verify_incoming"]), 28);
    assert.equal(lineAt(document, ["retry_join", 1]), 13);
  });

  test("a missing value names the file, line and key", () => {
    const error = syntaxError('datacenter = "dc1"\nports {\n  http = 8500\n  dns =\n}\n');
    assert.equal(error.file, "bad.hcl");
    assert.equal(error.line, 5);
    assert.equal(error.key, "ports.dns");
    assert.match(error.message, /^bad\.hcl:5: Expected a value in "ports\.dns", found "}"/);
  });

  test("an unterminated string is reported on its line", () => {
    const error = syntaxError('a = 1\nb = "open\nc = 2');
    assert.equal(error.line, 2);
    assert.match(error.message, /String is not terminated/);
  });

  test("an unclosed block is reported", () => {
    const error = syntaxError("connect {\n  enabled = true\n");
    assert.match(error.message, /Expected "}" to close the block in "connect", found the end/);
  });

  test("an unquoted word as a value suggests quoting it", () => {
    const error = syntaxError("datacenter = dc1");
    assert.match(error.message, /Unquoted value dc1 for "datacenter"; quote strings \("dc1"\)/);
  });

  test("an unclosed comment or heredoc is reported", () => {
    assert.match(syntaxError("/* open\na = 1").message, /never closed/);
    assert.match(syntaxError("a = <<EOF\ntext\n").message, /never closed by a line holding EOF/);
  });

  test("mixing a block and a value under one key is rejected", () => {
    assert.match(syntaxError("a { b = 1 }\na = 2").message, /given both as a block/);
  });

  test("nesting beyond the limit is rejected instead of overflowing the stack", () => {
    assert.match(syntaxError("a = " + "[".repeat(200) + "]".repeat(200)).message, /deeper than/);
  });
});
