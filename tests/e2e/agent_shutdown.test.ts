import { test } from "node:test";
import assert from "node:assert/strict";
import { freePort, startConsulate, waitFor } from "./_agent_process.ts";

test("SIGTERM stops an agent promptly while another process holds a blocking query", async () => {
  const port = await freePort();
  const agent = startConsulate([
    "agent",
    "-dev",
    `-http-port=${port}`,
    // Not -dev's 8300: a parallel test file's agent may hold it.
    `-server-port=${await freePort()}`,
    "-serf-wan-port=-1",
  ]);
  try {
    await waitFor("the HTTP API", async () => {
      const response = await fetch(`http://127.0.0.1:${port}/v1/status/leader`);
      await response.body?.cancel();
      return response.ok;
    }, { agent });
    const first = await fetch(`http://127.0.0.1:${port}/v1/kv/parked`);
    const index = first.headers.get("X-Consul-Index");
    await first.body?.cancel();
    const parked = fetch(`http://127.0.0.1:${port}/v1/kv/parked?index=${index}&wait=5m`)
      .then((response) => response.body?.cancel(), () => undefined);
    await new Promise((resolve) => setTimeout(resolve, 300));
    process.kill(agent.child.pid!, "SIGTERM");
    const guard = new Promise<"stuck">((resolve) => setTimeout(() => resolve("stuck"), 15_000));
    const outcome = await Promise.race([agent.exited, guard]);
    assert.equal(
      outcome,
      0,
      `the agent exited cleanly while a query was parked\n${agent.output()}`,
    );
    await parked;
  } finally {
    agent.child.kill("SIGKILL");
  }
});
