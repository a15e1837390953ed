import { after, before, beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  servicesDeregisterCommand,
  servicesRegisterCommand,
} from "../../src/cli/services_commands.ts";
import { type FakeConsul, startFakeConsul } from "../api/_fake_consul.ts";
import { cliContext } from "../api/_cli_context.ts";

const WEB_HCL = `
service {
  name = "web"
  id   = "web-1"
  port = 8080
  tags = ["v1"]
  meta = { version = "1.2" }
  check {
    http     = "http://localhost:8080/health"
    interval = "10s"
  }
}
`;

const TWO_JSON = JSON.stringify({
  services: [
    { name: "db", port: 5432, enable_tag_override: true },
    { Name: "cache", ID: "cache-a", Checks: [{ TTL: "30s" }] },
  ],
});

describe("consulate services", () => {
  let fake: FakeConsul;
  let env: Record<string, string>;

  before(async () => {
    fake = await startFakeConsul();
    env = { CONSUL_HTTP_ADDR: fake.address };
  });
  beforeEach(() => fake.agentServices = {});
  after(async () => await fake.stop());

  async function run(
    command: typeof servicesRegisterCommand,
    args: string[],
    files: Record<string, string> = {},
  ) {
    const context = await cliContext(env, files);
    const code = await command.run(args, context);
    return { code, out: context.out(), err: context.err() };
  }

  const bodies = () =>
    fake.requests
      .filter((r) => r.path === "/v1/agent/service/register")
      .map((r) => JSON.parse(new TextDecoder().decode(r.body)));

  test("register from flags sends only the fields given, in the API's spelling", async () => {
    const before = bodies().length;
    const result = await run(servicesRegisterCommand, [
      "-name=web",
      "-port=8080",
      "-tag=v1",
      "-tag=blue",
      "-meta=team=core",
      "-tagged-address=wan=198.51.100.7:443",
    ]);
    assert.deepEqual(result, { code: 0, out: "Registered service: web\n", err: "" });
    assert.equal(fake.last.method, "PUT");
    assert.equal(fake.last.contentType, "application/json");
    assert.deepEqual(bodies().slice(before), [{
      Name: "web",
      Port: 8080,
      Tags: ["v1", "blue"],
      Meta: { team: "core" },
      TaggedAddresses: { wan: { Address: "198.51.100.7", Port: 443 } },
    }]);
  });

  test("register from an HCL file translates the definition and its check", async () => {
    const before = bodies().length;
    const result = await run(servicesRegisterCommand, ["/etc/web.hcl"], {
      "/etc/web.hcl": WEB_HCL,
    });
    assert.deepEqual(result, { code: 0, out: "Registered service: web\n", err: "" });
    assert.deepEqual(bodies().slice(before), [{
      Name: "web",
      ID: "web-1",
      Port: 8080,
      Tags: ["v1"],
      Meta: { version: "1.2" },
      Check: { HTTP: "http://localhost:8080/health", Interval: "10s" },
    }]);
  });

  test("register from a JSON services list registers each, in order", async () => {
    const result = await run(servicesRegisterCommand, ["two.json"], { "two.json": TWO_JSON });
    assert.deepEqual(result, {
      code: 0,
      out: "Registered service: db\nRegistered service: cache\n",
      err: "",
    });
    assert.deepEqual(bodies().slice(-2), [
      { Name: "db", Port: 5432, EnableTagOverride: true },
      { Name: "cache", ID: "cache-a", Checks: [{ TTL: "30s" }] },
    ]);
  });

  test("flags fill in what a file leaves out; tags are appended and meta merged", async () => {
    const result = await run(
      servicesRegisterCommand,
      ["-address=10.0.0.5", "-tag=extra", "-meta=owner=ops", "/etc/web.hcl"],
      { "/etc/web.hcl": WEB_HCL },
    );
    assert.equal(result.code, 0, result.err);
    const body = bodies().at(-1);
    assert.equal(body.Address, "10.0.0.5");
    assert.deepEqual(body.Tags, ["v1", "extra"]);
    assert.deepEqual(body.Meta, { version: "1.2", owner: "ops" });
  });

  test("register needs files or -name, not both", async () => {
    assert.deepEqual(await run(servicesRegisterCommand, []), {
      code: 1,
      out: "",
      err: "Service registration requires at least one argument or flags.\n",
    });
    assert.equal(
      (await run(servicesRegisterCommand, ["-name=x", "a.hcl"])).err,
      "Service registration requires arguments or -name, not both.\n",
    );
  });

  test("a bad file names the file and the field, and sends nothing", async () => {
    const before = fake.requests.length;
    const unknown = await run(servicesRegisterCommand, ["bad.hcl"], {
      "bad.hcl": 'service { name = "x"\n prot = 80 }',
    });
    assert.equal(unknown.code, 1);
    assert.equal(
      unknown.err,
      'Error: bad.hcl: service: unknown field "prot"; allowed: address, check, checks, ' +
        "enable_tag_override, id, kind, meta, name, port, socket_path, tagged_addresses, tags, " +
        "token, weights\n",
    );
    const wrongType = await run(servicesRegisterCommand, ["bad.json"], {
      "bad.json": '{"service": {"name": "x", "port": "80"}}',
    });
    assert.equal(
      wrongType.err,
      'Error: bad.json: service.port: expected a non-negative integer, got "80"\n',
    );
    const extension = await run(servicesRegisterCommand, ["web.yaml"], { "web.yaml": "" });
    assert.equal(extension.err, "Error: web.yaml: unknown file extension: use .hcl or .json\n");
    const missing = await run(servicesRegisterCommand, ["gone.hcl"]);
    assert.match(missing.err, /^Error: Error reading gone\.hcl: /);
    const other = await run(servicesRegisterCommand, ["agent.hcl"], {
      "agent.hcl": 'datacenter = "dc1"',
    });
    assert.match(other.err, /unexpected key "datacenter"/);
    assert.equal(fake.requests.length, before);
  });

  test("a refused registration names the service and the server's reason", async () => {
    fake.failNext("PUT", "/v1/agent/service/register", 400, "Invalid check: TTL must be > 0");
    assert.deepEqual(await run(servicesRegisterCommand, ["-name=web"]), {
      code: 1,
      out: "",
      err: 'Error registering service "web": Unexpected response code: 400 ' +
        "(Invalid check: TTL must be > 0)\n",
    });
  });

  test("deregister -id removes that service", async () => {
    await run(servicesRegisterCommand, ["-name=web", "-id=web-1"]);
    assert.deepEqual(await run(servicesDeregisterCommand, ["-id=web-1"]), {
      code: 0,
      out: "Deregistered service: web-1\n",
      err: "",
    });
    assert.equal(fake.last.method, "PUT");
    assert.equal(fake.last.path, "/v1/agent/service/deregister/web-1");
  });

  test("deregister from files uses each definition's ID, else its name", async () => {
    await run(servicesRegisterCommand, ["two.json"], { "two.json": TWO_JSON });
    assert.deepEqual(await run(servicesDeregisterCommand, ["two.json"], { "two.json": TWO_JSON }), {
      code: 0,
      out: "Deregistered service: db\nDeregistered service: cache-a\n",
      err: "",
    });
  });

  test("deregister of an unknown ID reports the agent's answer", async () => {
    assert.deepEqual(await run(servicesDeregisterCommand, ["-id=ghost"]), {
      code: 1,
      out: "",
      err: 'Error deregistering service "ghost": Unexpected response code: 404 ' +
        '(Unknown service ID "ghost")\n',
    });
    assert.equal(
      (await run(servicesDeregisterCommand, [])).err,
      "Service deregistration requires at least one argument or -id.\n",
    );
  });
});
