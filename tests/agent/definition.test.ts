import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  checkDefinition,
  CheckDefinitionError,
  checkKind,
  healthCheckFromDefinition,
  parseCheckDefinition,
  validateCheckDefinition,
} from "../../src/agent/checks/mod.ts";

describe("check definitions", () => {
  test("agent-API JSON decodes with PascalCase, snake_case and any-case field names", () => {
    const def = parseCheckDefinition({
      id: "api",
      NAME: "API health",
      service_id: "web",
      HTTP: "https://127.0.0.1:8443/health",
      Method: "POST",
      Header: { "X-Probe": ["1", "2"] },
      Body: "{}",
      tls_skip_verify: true,
      TLSServerName: "web.internal",
      Interval: "15s",
      Timeout: 2_000_000_000,
      deregister_critical_service_after: "90m",
      SuccessBeforePassing: 2,
      FailuresBeforeCritical: 3,
      FailuresBeforeWarning: 1,
      Status: "passing",
    });
    assert.equal(def.id, "api");
    assert.equal(def.name, "API health");
    assert.equal(def.serviceId, "web");
    assert.equal(def.method, "POST");
    assert.deepEqual(def.header, { "X-Probe": ["1", "2"] });
    assert.equal(def.tlsSkipVerify, true);
    assert.equal(def.tlsServerName, "web.internal");
    assert.equal(def.intervalMs, 15_000);
    assert.equal(def.timeoutMs, 2_000);
    assert.equal(def.deregisterCriticalServiceAfterMs, 5_400_000);
    assert.equal(def.successBeforePassing, 2);
    assert.equal(def.failuresBeforeCritical, 3);
    assert.equal(def.failuresBeforeWarning, 1);
    assert.equal(def.status, "passing");
    assert.equal(checkKind(def), "http");
  });

  test("script arguments come from Args, ScriptArgs or script_args", () => {
    for (const key of ["Args", "args", "ScriptArgs", "script_args"]) {
      const def = parseCheckDefinition({ Name: "s", [key]: ["/bin/true"], Interval: "10s" });
      assert.deepEqual(def.scriptArgs, ["/bin/true"], key);
      assert.equal(checkKind(def), "script");
    }
  });

  test("bad field types and durations are rejected naming the field", () => {
    assert.throws(() => parseCheckDefinition({ Interval: "soon" }), (error) => {
      assert.ok(error instanceof CheckDefinitionError);
      assert.equal(error.message, 'Interval: time: invalid duration "soon"');
      assert.equal(error.field, "Interval");
      return true;
    });
    assert.throws(() => parseCheckDefinition({ Name: 7 }), {
      message: 'Field "Name" must be a string',
    });
    assert.throws(
      () => parseCheckDefinition({ Header: { A: "b" } }),
      /Field "Header" must be an object mapping header names to arrays of strings/,
    );
    assert.throws(() => parseCheckDefinition({ Status: "fine" }), /Bad check status "fine"/);
    assert.throws(() => parseCheckDefinition([]), /must be a JSON object/);
  });

  test("check types Consulate does not run are refused with a clear message", () => {
    assert.throws(
      () => parseCheckDefinition({ Name: "g", GRPC: "127.0.0.1:9000", Interval: "10s" }),
      {
        message: "GRPC checks are not supported by Consulate; use a TTL, HTTP, TCP or script check",
      },
    );
    assert.throws(() => parseCheckDefinition({ AliasService: "web" }), /Alias checks/);
  });

  test("validation enforces Consul's rules with Consul's texts", () => {
    const cases: [Parameters<typeof checkDefinition>[0], string][] = [
      [
        { http: "http://x", intervalMs: 1000, ttlMs: 1000 },
        "Interval and TTL cannot both be specified",
      ],
      [{ http: "http://x" }, "Interval must be > 0 for Script, HTTP, or TCP checks"],
      [{ tcp: "127.0.0.1:1" }, "Interval must be > 0 for Script, HTTP, or TCP checks"],
      [{}, "TTL must be > 0 for TTL checks"],
      [
        { ttlMs: 1000, failuresBeforeWarning: 3, failuresBeforeCritical: 2 },
        "FailuresBeforeWarning can't be higher than FailuresBeforeCritical",
      ],
    ];
    for (const [fields, message] of cases) {
      assert.throws(() => validateCheckDefinition(checkDefinition(fields)), { message });
    }
    validateCheckDefinition(checkDefinition({ ttlMs: 30_000 }));
  });

  test("service checks get service:<id> IDs and a default name; agent checks use their name", () => {
    const service = { ID: "web-1", Service: "web", Tags: ["v1"] };
    const def = checkDefinition({ tcp: "127.0.0.1:80", intervalMs: 10_000 });
    const only = healthCheckFromDefinition(def, { node: "n1", service, index: 0, count: 1 });
    assert.equal(only.CheckID, "service:web-1");
    assert.equal(only.Name, "Service 'web' check");
    assert.equal(only.Status, "critical");
    assert.equal(only.Interval, "10s");
    assert.equal(only.Type, "tcp");
    assert.deepEqual(only.ServiceTags, ["v1"]);
    const second = healthCheckFromDefinition(def, { node: "n1", service, index: 1, count: 2 });
    assert.equal(second.CheckID, "service:web-1:2");
    const agentCheck = healthCheckFromDefinition(
      checkDefinition({ name: "mem", ttlMs: 5_000, status: "passing" }),
      { node: "n1" },
    );
    assert.equal(agentCheck.CheckID, "mem");
    assert.equal(agentCheck.Status, "passing");
    assert.equal(agentCheck.Type, "ttl");
  });
});
