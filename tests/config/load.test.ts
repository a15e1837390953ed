import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { UsageError } from "../../src/cli/command.ts";
import { CONFIG_VALID_MESSAGE, ConfigError, validateConfigSources } from "../../src/config/mod.ts";
import { FakeFileSystem } from "./_fake_fs.ts";
import {
  SECONDARY_JSON,
  SERVER_HCL,
  WANFED_PRIMARY_HCL,
  WANFED_SECONDARY_HCL,
} from "./_fixtures.ts";
import { hclError, load, loadError, TEST_HOSTNAME } from "./_load.ts";

describe("loadConfig: gossip_wan", () => {
  test("gossip_wan timings are read as Consul's and only the set ones are present", async () => {
    const config = await load({
      "/c/gossip.hcl": 'gossip_wan { probe_interval = "200ms" suspicion_mult = 3 }\n',
    }, ["-config-file=/c/gossip.hcl", "-dev"]);
    assert.deepEqual(config.gossipWan, { probeIntervalMs: 200, suspicionMult: 3 });
  });

  test("an unknown gossip_wan key is named with a suggestion", async () => {
    const error = await hclError('gossip_wan { probe_intervl = "1s" }');
    assert.match(error.message, /probe_intervl/);
    assert.match(error.message, /probe_interval/);
  });
});

describe("loadConfig: files", () => {
  test("a full HCL server config becomes a typed runtime config", async () => {
    const config = await load({ "/etc/consul.d/server.hcl": SERVER_HCL }, [
      "-config-file=/etc/consul.d/server.hcl",
    ]);
    assert.equal(config.nodeName, "consul-server-1");
    assert.equal(config.server, true);
    assert.equal(config.bootstrapExpect, 3);
    assert.equal(config.advertiseAddr, "10.0.0.10");
    assert.deepEqual(config.clientAddrs, ["0.0.0.0"]);
    assert.deepEqual(config.ports, {
      http: 8500,
      https: 8501,
      dns: 8600,
      server: 8300,
      serfLan: 8301,
      serfWan: 8302,
      grpc: 8502,
    });
    assert.equal(config.tls.internalRpc.caFile, "/etc/consul.d/consul-agent-ca.pem");
    assert.equal(config.tls.internalRpc.verifyIncoming, true);
    assert.equal(config.tls.internalRpc.verifyServerHostname, true);
    assert.equal(config.acl.defaultPolicy, "deny");
    assert.equal(config.acl.tokens.initialManagement, "b1gs33cr3t");
    assert.equal(config.acl.tokens.replication, null);
    assert.equal(config.sessionTtlMinMs, 15_000);
    assert.deepEqual(config.configFiles, ["/etc/consul.d/server.hcl"]);
  });

  test("a JSON secondary server with WAN federation loads", async () => {
    const config = await load({ "/c/dc2.json": SECONDARY_JSON }, ["-config-file", "/c/dc2.json"]);
    assert.equal(config.datacenter, "dc2");
    assert.equal(config.primaryDatacenter, "dc1");
    assert.deepEqual(config.primaryGateways, ["198.51.100.7:443"]);
    assert.equal(config.primaryGatewaysIntervalMs, 90_000);
    assert.equal(config.connect.meshGatewayWanFederationEnabled, true);
    assert.equal(config.bootstrap, true, "bootstrap_expect = 1 means bootstrap");
    assert.equal(config.bootstrapExpect, 0);
    assert.ok(
      config.warnings.includes("BootstrapExpect is set to 1; this is the same as Bootstrap mode."),
    );
  });

  test("the guide's wanfed snippets load for a primary and a secondary server", async () => {
    const primary = await load({
      "/c/base.hcl": 'server = true\ndata_dir = "/d"',
      "/c/wanfed.hcl": WANFED_PRIMARY_HCL,
    }, ["-config-dir=/c"]);
    assert.equal(primary.connect.meshGatewayWanFederationEnabled, true);
    const secondary = await load(
      {
        "/c/base.hcl":
          'server = true\ndata_dir = "/d"\ndatacenter = "dc2"\nprimary_datacenter = "dc1"',
        "/c/wanfed.hcl": WANFED_SECONDARY_HCL,
      },
      ["-config-dir=/c"],
    );
    assert.deepEqual(secondary.primaryGateways, ["192.0.2.10:8443", "192.0.2.11:8443"]);
  });

  test("a config dir is merged in lexical order: later files win, lists are appended", async () => {
    const config = await load({
      "/c/10-base.hcl": 'datacenter = "first"\nretry_join = ["a"]\nports { http = 1111 }',
      "/c/20-override.json":
        '{"datacenter": "second", "retry_join": ["b"], "ports": {"dns": 2222}}',
      "/c/05-early.hcl": 'datacenter = "zeroth"\nretry_join = ["z"]\nlog_level = "warn"',
    }, ["-config-dir=/c", "-data-dir=/d"]);
    assert.equal(config.datacenter, "second");
    assert.deepEqual(config.retryJoin, ["z", "a", "b"]);
    assert.equal(config.ports.http, 1111);
    assert.equal(config.ports.dns, 2222);
    assert.equal(config.logLevel, "WARN");
    assert.deepEqual(config.configFiles, [
      "/c/05-early.hcl",
      "/c/10-base.hcl",
      "/c/20-override.json",
    ]);
  });

  test("a config dir skips other extensions and sub-directories, with a warning", async () => {
    const config = await load({
      "/c/a.hcl": 'node_name = "n1"',
      "/c/README.md": "not config",
      "/c/sub/b.hcl": 'node_name = "never"',
    }, ["-config-dir=/c", "-data-dir=/d"]);
    assert.equal(config.nodeName, "n1");
    assert.ok(config.warnings.some((w) => w.includes("skipping file /c/README.md")));
  });

  test("-config-file and -config-dir are read in the order given", async () => {
    const files = { "/one.hcl": 'node_name = "one"', "/d/two.hcl": 'node_name = "two"' };
    const a = await load(files, ["-config-dir=/d", "-config-file=/one.hcl", "-data-dir=/x"]);
    assert.equal(a.nodeName, "one");
    const b = await load(files, ["-config-file=/one.hcl", "-config-dir=/d", "-data-dir=/x"]);
    assert.equal(b.nodeName, "two");
  });

  test("a file without .hcl/.json needs -config-format", async () => {
    const files = { "/etc/agent.conf": 'node_name = "fmt"' };
    const error = await loadError(files, ["-config-file=/etc/agent.conf", "-data-dir=/d"]);
    assert.equal(error.file, "/etc/agent.conf");
    assert.match(error.message, /must end in \.hcl or \.json, or pass -config-format=hcl\|json/);
    const config = await load(files, [
      "-config-file=/etc/agent.conf",
      "-config-format=hcl",
      "-data-dir=/d",
    ]);
    assert.equal(config.nodeName, "fmt");
  });

  test("a missing config path is an error naming it", async () => {
    const error = await loadError({}, ["-config-file=/nope.hcl", "-data-dir=/d"]);
    assert.equal(error.file, "/nope.hcl");
    assert.match(error.message, /does not exist/);
  });
});

describe("loadConfig: errors", () => {
  test("an unknown key is an error with the file, line and a did-you-mean", async () => {
    const error = await hclError('server = true\n\ndatacentre = "dc1"\n');
    assert.equal(error.file, "/etc/consul.d/agent.hcl");
    assert.equal(error.line, 3);
    assert.equal(error.key, "datacentre");
    assert.equal(
      error.message,
      "/etc/consul.d/agent.hcl:3: invalid config key datacentre; did you mean datacenter?",
    );
  });

  test("an unknown nested key suggests the full key path", async () => {
    const error = await hclError(
      "connect {\n  enabled = true\n  enable_mesh_gateway_wan_federaton = true\n}",
    );
    assert.equal(error.line, 3);
    assert.match(
      error.message,
      /invalid config key connect\.enable_mesh_gateway_wan_federaton; did you mean connect\.enable_mesh_gateway_wan_federation\?/,
    );
  });

  test("an unknown key with no close match lists what is allowed there", async () => {
    const error = await hclError("ports {\n  zzz = 1\n}");
    assert.match(
      error.message,
      /invalid config key ports\.zzz; allowed here: http, https, dns, server, serf_lan, serf_wan, grpc/,
    );
  });

  test("a value of the wrong type names the key, what was given and what is allowed", async () => {
    const error = await hclError('server = "yes"');
    assert.equal(error.key, "server");
    assert.equal(error.line, 1);
    assert.match(error.message, /server must be a boolean \(true or false\), got the string "yes"/);
  });

  test("a bad enum value and a bad duration say what is allowed", async () => {
    const error = await hclError('acl { default_policy = "maybe" }\nsession_ttl_min = "10"');
    assert.equal(error.problems.length, 2);
    assert.match(
      error.problems[0].detail,
      /acl\.default_policy: "maybe" is not allowed; use one of "allow", "deny"/,
    );
    assert.equal(error.problems[1].line, 2);
    assert.match(error.problems[1].detail, /session_ttl_min: Invalid duration "10"/);
  });

  test("problems in several files are reported together", async () => {
    const error = await loadError({
      "/c/a.hcl": "bogus = 1",
      "/c/b.json": '{"server": 1}',
      "/c/c.hcl": "datacenter = ",
    }, ["-config-dir=/c", "-data-dir=/d"]);
    assert.deepEqual(error.problems.map((p) => p.file), ["/c/a.hcl", "/c/b.json", "/c/c.hcl"]);
    assert.match(
      error.message,
      /^3 configuration errors:\n\/c\/a\.hcl:1: invalid config key bogus/,
    );
  });

  test("a block given twice where one is expected says so", async () => {
    const error = await hclError("ports { http = 1 }\nports { dns = 2 }");
    assert.match(error.message, /ports is given 2 times; give the block once/);
  });

  test("a bad -log-level flag is checked like a file value", async () => {
    const error = await loadError({}, ["-dev", "-log-level=loud"]);
    assert.equal(error.file, "command-line flags");
    assert.match(error.message, /log_level: "loud" is not allowed; use one of "TRACE"/);
  });
});

describe("loadConfig: flags and defaults", () => {
  test("Consul's defaults apply when nothing is set", async () => {
    const config = await load({}, ["-data-dir=/d"]);
    assert.equal(config.datacenter, "dc1");
    assert.equal(config.primaryDatacenter, "dc1");
    assert.equal(config.domain, "consul");
    assert.equal(config.nodeName, TEST_HOSTNAME);
    assert.equal(config.bindAddr, "0.0.0.0");
    assert.equal(config.advertiseAddr, null, "advertise must be detected when bound to 0.0.0.0");
    assert.deepEqual(config.clientAddrs, ["127.0.0.1"]);
    assert.deepEqual(config.ports, {
      http: 8500,
      https: -1,
      dns: 8600,
      server: 8300,
      serfLan: 8301,
      serfWan: 8302,
      grpc: -1,
    });
    assert.equal(config.logLevel, "INFO");
    assert.equal(config.primaryGatewaysIntervalMs, 30_000);
    assert.equal(config.sessionTtlMinMs, 10_000);
    assert.equal(config.acl.defaultPolicy, "allow");
    assert.equal(config.acl.downPolicy, "extend-cache");
    assert.equal(config.tls.defaults.verifyIncoming, false);
    assert.equal(config.tls.internalRpc.verifyServerHostname, false);
    assert.equal(config.server, false);
    assert.equal(config.connect.enabled, false);
  });

  test("-dev is a bootstrapped in-memory server on 127.0.0.1 with connect enabled", async () => {
    const config = await load({}, ["-dev"]);
    assert.equal(config.devMode, true);
    assert.equal(config.server, true);
    assert.equal(config.bootstrap, true);
    assert.equal(config.bindAddr, "127.0.0.1");
    assert.deepEqual(config.clientAddrs, ["127.0.0.1"]);
    assert.equal(config.advertiseAddr, "127.0.0.1");
    assert.equal(config.nodeName, TEST_HOSTNAME);
    assert.equal(config.dataDir, null);
    assert.equal(config.connect.enabled, true);
    assert.equal(config.ports.grpc, 8502);
    assert.equal(config.logLevel, "DEBUG");
  });

  test("flags win over files, in both -flag=value and -flag value forms", async () => {
    const files = {
      "/c/a.hcl": 'node_name = "from-file"\ndatacenter = "filedc"\nports { http = 1 }',
    };
    const config = await load(files, [
      "-config-dir",
      "/c",
      "-node",
      "from-flag",
      "-datacenter=flagdc",
      "-http-port",
      "9500",
      "-data-dir=/d",
      "-server",
      "-bootstrap-expect=3",
      "-encrypt",
      "pUqJrVyVRj5jsiYEkM/tFQYfWyJIv4s3XkvDwy7Cu5s=",
    ]);
    assert.equal(config.nodeName, "from-flag");
    assert.equal(config.datacenter, "flagdc");
    assert.equal(config.ports.http, 9500);
    assert.equal(config.server, true);
    assert.equal(config.bootstrapExpect, 3);
    assert.equal(config.encrypt, "pUqJrVyVRj5jsiYEkM/tFQYfWyJIv4s3XkvDwy7Cu5s=");
  });

  test("list flags come before file lists, as in Consul", async () => {
    const config = await load({ "/c/a.hcl": 'retry_join = ["file"]' }, [
      "-retry-join=flag1",
      "-config-dir=/c",
      "-retry-join",
      "flag2",
      "-data-dir=/d",
    ]);
    assert.deepEqual(config.retryJoin, ["flag1", "flag2", "file"]);
  });

  test("-hcl fragments win over flags and files", async () => {
    const config = await load({}, ["-data-dir=/d", "-node=flag", "-hcl", 'node_name = "fragment"']);
    assert.equal(config.nodeName, "fragment");
  });

  test("address, path and WAN flags map to their keys", async () => {
    const config = await load({}, [
      "-server",
      "-bind=10.1.2.3",
      "-advertise=10.1.2.4",
      "-advertise-wan=203.0.113.9",
      "-client=127.0.0.1 10.1.2.3",
      "-data-dir=/var/consul",
      "-datacenter=dc2",
      "-primary-datacenter=dc1",
      "-primary-gateway=192.0.2.1:443",
      "-log-level=trace",
      "-pid-file=/run/c.pid",
      "-domain=example.",
    ]);
    assert.equal(config.bindAddr, "10.1.2.3");
    assert.equal(config.advertiseAddr, "10.1.2.4");
    assert.equal(config.advertiseAddrWan, "203.0.113.9");
    assert.deepEqual(config.clientAddrs, ["127.0.0.1", "10.1.2.3"]);
    assert.equal(config.dataDir, "/var/consul");
    assert.equal(config.primaryDatacenter, "dc1");
    assert.deepEqual(config.primaryGateways, ["192.0.2.1:443"]);
    assert.equal(config.logLevel, "TRACE");
    assert.equal(config.pidFile, "/run/c.pid");
    assert.equal(config.domain, "example");
  });

  test("unknown flags and stray arguments are usage errors", async () => {
    await assert.rejects(
      load({}, ["-nod=x"]),
      (e) => e instanceof UsageError && /did you mean -node/.test(e.message),
    );
    await assert.rejects(load({}, ["-dev", "extra"]), UsageError);
    await assert.rejects(
      load({}, ["-config-format=yaml"]),
      /-config-format must be either 'hcl' or 'json'/,
    );
  });

  test("the result is deeply frozen", async () => {
    const config = await load({}, ["-dev"]);
    assert.ok(Object.isFrozen(config));
    assert.ok(Object.isFrozen(config.ports));
    assert.ok(Object.isFrozen(config.retryJoin));
    assert.throws(() => {
      (config as { server: boolean }).server = false;
    }, TypeError);
  });

  test("Consul's deprecated top-level TLS keys still apply, with a warning", async () => {
    const config = await load({
      "/c/tls.hcl": 'ca_file = "/ca.pem"\nverify_server_hostname = true',
    }, ["-config-dir=/c", "-data-dir=/d"]);
    assert.equal(config.tls.internalRpc.caFile, "/ca.pem");
    assert.equal(config.tls.internalRpc.verifyServerHostname, true);
    assert.ok(config.warnings.some((w) => w.includes("'ca_file' field is deprecated")));
  });
});

describe("validateConfigSources", () => {
  test("checks files without flags or a data dir", async () => {
    const fs = new FakeFileSystem({
      "/c/server.hcl": SERVER_HCL.replace('data_dir = "/opt/consul"\n', ""),
    });
    const config = await validateConfigSources({ fs, paths: ["/c"] });
    assert.equal(config.nodeName, "consul-server-1");
    assert.equal(CONFIG_VALID_MESSAGE, "Configuration is valid!");
  });

  test("reports every problem of invalid files", async () => {
    const fs = new FakeFileSystem({
      "/c/a.hcl": "serverr = true",
      "/c/b.hcl": 'primary_gateways = ["x:1"]',
    });
    await assert.rejects(validateConfigSources({ fs, paths: ["/c"] }), (error) => {
      assert.ok(error instanceof ConfigError);
      assert.match(error.message, /invalid config key serverr; did you mean server\?/);
      return true;
    });
  });
});
