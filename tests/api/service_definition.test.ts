import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { ServiceDefinitionError, serviceRegistrationFromDefinition } from "../../src/api/mod.ts";
import { parseHcl } from "../../src/config/mod.ts";

describe("serviceRegistrationFromDefinition", () => {
  test("turns HCL blocks (one-element lists) into the API's objects", () => {
    const { value } = parseHcl(
      `service {
        name = "web"
        tagged_addresses {
          lan { address = "10.0.0.1" port = 80 }
          wan { address = "198.51.100.1" port = 443 }
        }
        weights { passing = 3 warning = 1 }
        checks = [
          { id = "alive" ttl = "30s" },
          { name = "port" tcp = "localhost:80" interval = "5s" tls_skip_verify = true },
        ]
      }`,
      "web.hcl",
    );
    const [definition] = value.service as unknown[];
    assert.deepEqual(serviceRegistrationFromDefinition(definition, "web.hcl: service"), {
      Name: "web",
      TaggedAddresses: {
        lan: { Address: "10.0.0.1", Port: 80 },
        wan: { Address: "198.51.100.1", Port: 443 },
      },
      Weights: { Passing: 3, Warning: 1 },
      Checks: [
        { CheckID: "alive", TTL: "30s" },
        { Name: "port", TCP: "localhost:80", Interval: "5s", TLSSkipVerify: true },
      ],
    });
  });

  test("accepts the API's own PascalCase spelling and script args under either name", () => {
    const registration = serviceRegistrationFromDefinition(
      {
        Name: "job",
        EnableTagOverride: true,
        Check: { Args: ["/bin/check", "-v"], Interval: "1m" },
        Checks: [{ script_args: ["/bin/true"], interval: "1m", header: { X: ["1"] } }],
      },
      "job.json: service",
    );
    assert.deepEqual(registration, {
      Name: "job",
      EnableTagOverride: true,
      Check: { ScriptArgs: ["/bin/check", "-v"], Interval: "1m" },
      Checks: [{ ScriptArgs: ["/bin/true"], Interval: "1m", Header: { X: ["1"] } }],
    });
  });

  test("meta keys are kept exactly as written", () => {
    const registration = serviceRegistrationFromDefinition(
      { name: "x", meta: { Some_Key: "v" } },
      "x.json: service",
    );
    assert.deepEqual(registration.Meta, { Some_Key: "v" });
  });

  test("a missing name, wrong types, unknown check fields and connect are refused clearly", () => {
    const refuses = (definition: unknown, message: string) =>
      assert.throws(
        () => serviceRegistrationFromDefinition(definition, "f.json: service"),
        (error: unknown) => error instanceof ServiceDefinitionError && error.message === message,
      );
    refuses({ port: 80 }, 'f.json: service: missing service name ("name")');
    refuses(
      { name: "x", tags: "v1" },
      'f.json: service.tags: expected a list of strings, got "v1"',
    );
    refuses(
      { name: "x", meta: { a: 1 } },
      "f.json: service.meta: expected a map of strings, got an object",
    );
    refuses(
      { name: "x", check: { ttl: "1s", grpc: "x" } },
      'f.json: service.check: unknown field "grpc"; allowed: args, body, check_id, ' +
        "deregister_critical_service_after, failures_before_critical, failures_before_warning, " +
        "header, http, id, interval, method, name, notes, output_max_size, script_args, status, " +
        "success_before_passing, tcp, timeout, tls_server_name, tls_skip_verify, ttl",
    );
    refuses(
      { name: "x", connect: { sidecar_service: {} } },
      'f.json: service: "connect" is not supported in service files yet; register such ' +
        "services through PUT /v1/agent/service/register",
    );
    refuses("web", 'f.json: service: expected an object, got "web"');
  });
});
