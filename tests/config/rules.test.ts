import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { hclError, load, loadError } from "./_load.ts";

const WANFED_SERVER = `server = true
connect {
  enabled = true
  enable_mesh_gateway_wan_federation = true
}
`;

describe("cross-field rules (Consul's texts)", () => {
  test("wan federation requires connect.enabled", async () => {
    const error = await hclError(
      "server = true\nconnect {\n  enable_mesh_gateway_wan_federation = true\n}",
    );
    assert.equal(error.key, "connect.enable_mesh_gateway_wan_federation");
    assert.equal(error.line, 3);
    assert.ok(
      error.message.includes(
        "'connect.enable_mesh_gateway_wan_federation=true' requires 'connect.enabled=true'",
      ),
      error.message,
    );
  });

  test("wan federation requires server mode, naming where server came from", async () => {
    const error = await hclError(WANFED_SERVER.replace("server = true", ""));
    assert.ok(
      error.message.includes(
        "'connect.enable_mesh_gateway_wan_federation = true' requires 'server = true' (server = false from built-in defaults)",
      ),
      error.message,
    );
  });

  test("wan federation forbids '/' in the node name", async () => {
    const error = await hclError(`${WANFED_SERVER}node_name = "rack/1"`);
    assert.ok(
      error.message.includes(
        "'connect.enable_mesh_gateway_wan_federation = true' requires that 'node_name' not contain '/' characters",
      ),
      error.message,
    );
  });

  test("wan federation is incompatible with retry_join_wan", async () => {
    const error = await hclError(`${WANFED_SERVER}retry_join_wan = ["198.51.100.1"]`);
    assert.equal(error.key, "retry_join_wan");
    assert.equal(error.line, 6);
    assert.ok(
      error.message.includes(
        "'retry_join_wan' is incompatible with 'connect.enable_mesh_gateway_wan_federation = true'",
      ),
      error.message,
    );
  });

  test("start_join_wan (and -join-wan) fold into retry_join_wan and hit the same rule", async () => {
    const fromFile = await hclError(`${WANFED_SERVER}start_join_wan = ["198.51.100.1"]`);
    assert.equal(fromFile.key, "start_join_wan");
    assert.match(fromFile.message, /'retry_join_wan' is incompatible with/);
    const fromFlag = await hclError(WANFED_SERVER, ["-join-wan=198.51.100.1"]);
    assert.equal(fromFlag.file, "command-line flags");
    assert.match(fromFlag.message, /'retry_join_wan' is incompatible with/);
  });

  test("primary_gateways requires server mode", async () => {
    const error = await hclError(
      'datacenter = "dc2"\nprimary_datacenter = "dc1"\nprimary_gateways = ["192.0.2.1:443"]',
    );
    assert.equal(error.key, "primary_gateways");
    assert.equal(error.line, 3);
    assert.ok(error.message.includes("'primary_gateways' requires 'server = true'"), error.message);
  });

  test("primary_gateways only in a secondary datacenter", async () => {
    const error = await hclError('server = true\nprimary_gateways = ["192.0.2.1:443"]');
    assert.ok(
      error.message.includes(
        "'primary_gateways' should only be configured in a secondary datacenter",
      ),
      error.message,
    );
    assert.match(error.message, /both "dc1"; set primary_datacenter/);
  });

  test("Consul's accepted example loads: a secondary server with primary gateways", async () => {
    const config = await load({
      "/c/a.hcl":
        `${WANFED_SERVER}primary_datacenter = "one"\ndatacenter = "two"\nprimary_gateways = ["foo.local", "bar.local"]`,
    }, ["-config-dir=/c", "-data-dir=/d"]);
    assert.deepEqual(config.primaryGateways, ["foo.local", "bar.local"]);
  });

  test("datacenter and primary_datacenter must be basic names (no dots)", async () => {
    const error = await hclError('datacenter = "us.east"\nprimary_datacenter = "EU"');
    assert.equal(error.problems.length, 2);
    assert.ok(
      error.message.includes(
        'datacenter can only contain lowercase alphanumeric, - or _ characters. received: "us.east"',
      ),
      error.message,
    );
    assert.ok(
      error.message.includes(
        'primary_datacenter can only contain lowercase alphanumeric, - or _ characters. received: "EU"',
      ),
      error.message,
    );
  });

  test("node names cannot contain dots or be empty", async () => {
    const dotted = await hclError('node_name = "web.1"');
    assert.equal(dotted.line, 1);
    assert.match(dotted.message, /node_name cannot contain '\.' characters.*received: "web\.1"/);
    const empty = await hclError('node_name = ""');
    assert.match(empty.message, /node_name cannot be empty/);
  });

  test("data_dir is required outside -dev", async () => {
    const error = await loadError({}, []);
    assert.equal(error.key, "data_dir");
    assert.match(error.message, /data_dir cannot be empty/);
  });

  test("bootstrap rules use Consul's texts", async () => {
    assert.match(
      (await hclError("bootstrap = true")).message,
      /'bootstrap = true' requires 'server = true'/,
    );
    assert.match(
      (await hclError("bootstrap_expect = 3")).message,
      /'bootstrap_expect > 0' requires 'server = true'/,
    );
    assert.match(
      (await hclError("server = true\nbootstrap = true\nbootstrap_expect = 3")).message,
      /'bootstrap_expect > 0' and 'bootstrap = true' are mutually exclusive/,
    );
    assert.match(
      (await hclError("server = true\nbootstrap_expect = -1")).message,
      /bootstrap_expect cannot be -1\. Must be greater than or equal to zero/,
    );
    const dev = await loadError({}, ["-dev", "-bootstrap-expect=3"]);
    assert.match(dev.message, /'bootstrap_expect > 0' not allowed in dev mode/);
  });

  test("addresses must be IPs and advertise addresses cannot be 'any'", async () => {
    assert.match(
      (await hclError('bind_addr = "{{ GetPrivateIP }}"')).message,
      /bind_addr must be an ip address/,
    );
    assert.match(
      (await hclError('advertise_addr = "0.0.0.0"')).message,
      /Advertise address cannot be 0\.0\.0\.0, :: or \[::\]/,
    );
    assert.match(
      (await hclError('advertise_addr_wan = "::"')).message,
      /Advertise WAN address cannot be 0\.0\.0\.0, :: or \[::\]/,
    );
    assert.match(
      (await hclError('client_addr = "127.0.0.1 localhost"')).message,
      /client_addr must be ip addresses/,
    );
    const v6 = await load({}, ["-data-dir=/d", "-bind=::1", "-client=::1 127.0.0.1"]);
    assert.equal(v6.advertiseAddr, "::1");
  });

  test("encrypt must be a base64 key of 16, 24 or 32 bytes", async () => {
    assert.match(
      (await hclError('encrypt = "not base64!"')).message,
      /encrypt has invalid key: illegal base64 data/,
    );
    assert.match(
      (await hclError('encrypt = "c2hvcnQ="')).message,
      /encrypt has invalid key: key size must be 16, 24 or 32 bytes, got 5 bytes/,
    );
  });

  test("ports above 65535 and a primary_gateways_interval below 1s are rejected", async () => {
    const error = await hclError('ports { serf_wan = 70000 }\nprimary_gateways_interval = "500ms"');
    assert.equal(error.problems.length, 2);
    assert.match(
      error.message,
      /ports\.serf_wan must be a port from 1 to 65535, or -1 to disable it\. received: 70000/,
    );
    assert.match(error.message, /primary_gateways_interval must be at least 1s\. received: 500ms/);
  });

  test("ports of 0 or below mean disabled (-1), as in Consul", async () => {
    const config = await load({ "/c/p.hcl": "ports { dns = 0\n grpc = -5 }" }, [
      "-config-dir=/c",
      "-data-dir=/d",
    ]);
    assert.equal(config.ports.dns, -1);
    assert.equal(config.ports.grpc, -1);
  });

  test("every broken rule is reported at once", async () => {
    const error = await hclError('datacenter = "a.b"\nnode_name = "x.y"\nbootstrap = true');
    assert.equal(error.problems.length, 3);
    assert.deepEqual(error.problems.map((p) => p.key), ["datacenter", "node_name", "bootstrap"]);
  });
});
