import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { parseHostPort } from "../../src/gateway/host_port.ts";

describe("parseHostPort", () => {
  test("splits host names, IPv4 and bracketed IPv6 addresses", () => {
    assert.deepEqual(parseHostPort("10.0.0.1:8300"), { hostname: "10.0.0.1", port: 8300 });
    assert.deepEqual(parseHostPort("gw.example.com:443"), {
      hostname: "gw.example.com",
      port: 443,
    });
    assert.deepEqual(parseHostPort("[2001:db8::1]:8443"), { hostname: "2001:db8::1", port: 8443 });
  });

  test("refuses text that is not a dialable address", () => {
    for (
      const bad of [
        "",
        "10.0.0.1",
        ":8300",
        "host:",
        "host:0",
        "host:65536",
        "host:80a",
        "::1:80",
        "[::1:80",
        "[]:80",
        "a b:80",
        "host:+80",
      ]
    ) {
      assert.equal(parseHostPort(bad), null, JSON.stringify(bad));
    }
  });
});
