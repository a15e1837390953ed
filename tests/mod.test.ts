import { test } from "node:test";
import assert from "node:assert/strict";
import { ConsulClient, createLogger, currentRuntime, loadConfig, startAgent } from "../mod.ts";
import { freePort } from "./e2e/_agent_process.ts";

test("the library starts an agent in-process and its API client talks to it", async () => {
  const runtime = await currentRuntime();
  const config = await loadConfig({
    fs: runtime.fs,
    // Port 0 disables a listener in Consul's configuration, so pick a free port.
    // -dev's server RPC and WAN ports (8300, 8302) would collide with parallel test files.
    args: [
      "-dev",
      `-http-port=${await freePort()}`,
      `-server-port=${await freePort()}`,
      `-serf-wan-port=${await freePort()}`,
      "-node=library",
    ],
    hostname: "library-host",
  });
  const logger = createLogger({ level: "ERROR", clock: runtime.clock, sink: () => {} });
  const agent = await startAgent(runtime, { config, logger });
  try {
    const client = new ConsulClient({ address: `127.0.0.1:${agent.httpAddr.port}` });
    assert.equal(await client.kv.put("hello", "world"), true);
    const entry = await client.kv.get("hello");
    assert.equal(new TextDecoder().decode(entry.value?.Value ?? new Uint8Array()), "world");
    const services = await client.catalog.services();
    assert.deepEqual(Object.keys(services.value), ["consul"]);
  } finally {
    await agent.shutdown();
  }
});
