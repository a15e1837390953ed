import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { ApiConfigError, resolveClientConfig } from "../../src/api/mod.ts";

function envOf(vars: Record<string, string>) {
  return (name: string) => vars[name];
}

describe("resolveClientConfig", () => {
  test("defaults to http://127.0.0.1:8500 with no token and the agent's datacenter", () => {
    assert.deepEqual(resolveClientConfig(), {
      baseUrl: "http://127.0.0.1:8500",
      dialAddress: "127.0.0.1:8500",
      token: "",
      datacenter: "",
    });
  });

  test("reads CONSUL_HTTP_ADDR as host:port and CONSUL_HTTP_TOKEN", () => {
    const config = resolveClientConfig({
      env: envOf({ CONSUL_HTTP_ADDR: "10.1.2.3:8501", CONSUL_HTTP_TOKEN: "s3cret" }),
    });
    assert.equal(config.baseUrl, "http://10.1.2.3:8501");
    assert.equal(config.dialAddress, "10.1.2.3:8501");
    assert.equal(config.token, "s3cret");
  });

  test("explicit options win over the environment", () => {
    const config = resolveClientConfig({
      address: "http://agent.example:9500",
      token: "flag-token",
      datacenter: "dc2",
      env: envOf({ CONSUL_HTTP_ADDR: "10.1.2.3:8501", CONSUL_HTTP_TOKEN: "env-token" }),
    });
    assert.equal(config.baseUrl, "http://agent.example:9500");
    assert.equal(config.token, "flag-token");
    assert.equal(config.datacenter, "dc2");
  });

  test("https:// selects TLS and port 443 when none is given", () => {
    const config = resolveClientConfig({ address: "https://consul.example" });
    assert.equal(config.baseUrl, "https://consul.example");
    assert.equal(config.dialAddress, "consul.example:443");
  });

  test("CONSUL_HTTP_SSL=true turns host:port and even http:// into https", () => {
    const ssl = envOf({ CONSUL_HTTP_SSL: "true" });
    assert.equal(
      resolveClientConfig({ address: "10.0.0.1:8501", env: ssl }).baseUrl,
      "https://10.0.0.1:8501",
    );
    assert.equal(
      resolveClientConfig({ address: "http://10.0.0.1:8501", env: ssl }).baseUrl,
      "https://10.0.0.1:8501",
    );
  });

  test("keeps a path prefix after the authority, without a trailing slash", () => {
    const config = resolveClientConfig({ address: "http://proxy.example:8080/consul/" });
    assert.equal(config.baseUrl, "http://proxy.example:8080/consul");
  });

  test("brackets IPv6 addresses in the dial address", () => {
    const config = resolveClientConfig({ address: "[::1]:8500" });
    assert.equal(config.baseUrl, "http://[::1]:8500");
    assert.equal(config.dialAddress, "[::1]:8500");
  });

  test("a unix:// address is refused with a clear not-supported error", () => {
    assert.throws(
      () =>
        resolveClientConfig({ env: envOf({ CONSUL_HTTP_ADDR: "unix:///var/run/consul.sock" }) }),
      (error: unknown) =>
        error instanceof ApiConfigError &&
        /Unix socket addresses are not supported/.test(error.message) &&
        error.message.includes("unix:///var/run/consul.sock"),
    );
  });

  test("an unknown scheme, a malformed address and a non-boolean CONSUL_HTTP_SSL are refused", () => {
    assert.throws(
      () => resolveClientConfig({ address: "ftp://x:1" }),
      /Unknown protocol scheme: ftp/,
    );
    assert.throws(() => resolveClientConfig({ address: "a b:c" }), /Invalid HTTP address "a b:c"/);
    assert.throws(
      () => resolveClientConfig({ env: envOf({ CONSUL_HTTP_SSL: "maybe" }) }),
      /Could not parse CONSUL_HTTP_SSL="maybe"/,
    );
  });
});
