import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type AgentProcess, freePort, startConsulate, waitFor } from "./_agent_process.ts";

const dataDir = mkdtempSync(join(tmpdir(), "consulate-e2e-restart-"));
const running: AgentProcess[] = [];
after(() => {
  for (const agent of running) agent.child.kill("SIGKILL");
  rmSync(dataDir, { recursive: true, force: true });
});

async function startServer(httpPort: number): Promise<AgentProcess> {
  const agent = startConsulate([
    "agent",
    "-server",
    "-bootstrap",
    "-node=e2e-1",
    "-bind=127.0.0.1",
    "-client=127.0.0.1",
    `-http-port=${httpPort}`,
    `-data-dir=${dataDir}`,
  ]);
  running.push(agent);
  await waitFor("the HTTP API to answer", async () => {
    const response = await fetch(`http://127.0.0.1:${httpPort}/v1/status/leader`);
    await response.body?.cancel();
    return response.ok;
  }, { agent });
  return agent;
}

describe("a server killed with SIGKILL", () => {
  test("keeps every acknowledged write, lock, API registration and maintenance across the restart", async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}/v1`;
    const first = await startServer(port);
    for (let i = 0; i < 100; i++) {
      const response = await fetch(`${base}/kv/durable/${i}`, {
        method: "PUT",
        body: `value-${i}`,
      });
      assert.equal(await response.text(), "true", `write ${i} acknowledged`);
    }
    const created = await fetch(`${base}/session/create`, { method: "PUT", body: "{}" });
    const { ID: sessionId } = await created.json();
    const lock = await fetch(`${base}/kv/durable/lock?acquire=${sessionId}`, {
      method: "PUT",
      body: "held",
    });
    assert.equal(await lock.text(), "true");
    const beforeIndex = Number(
      (await fetch(`${base}/kv/durable/99`)).headers.get("X-Consul-Index"),
    );
    const registered = await fetch(`${base}/agent/service/register`, {
      method: "PUT",
      body: JSON.stringify({
        Name: "mesh-gateway",
        ID: "mesh-gateway-1",
        Kind: "mesh-gateway",
        Port: 8443,
        Meta: { "consul-wan-federation": "1" },
        Check: { Name: "ttl", TTL: "10m", Status: "passing" },
      }),
    });
    assert.equal(registered.status, 200, await registered.text());
    const maintenance = await fetch(
      `${base}/agent/service/maintenance/mesh-gateway-1?enable=true&reason=swap+hardware`,
      { method: "PUT" },
    );
    assert.equal(maintenance.status, 200, await maintenance.text());

    first.child.kill("SIGKILL");
    assert.equal(await first.exited, "SIGKILL");

    const second = await startServer(port);
    for (let i = 0; i < 100; i++) {
      const response = await fetch(`${base}/kv/durable/${i}?raw`);
      assert.equal(await response.text(), `value-${i}`, `key durable/${i} survived`);
    }
    const [held] = await (await fetch(`${base}/kv/durable/lock`)).json();
    assert.equal(held.Session, sessionId, "the lock is still held by the same session");
    const afterIndex = Number((await fetch(`${base}/kv/durable/99`)).headers.get("X-Consul-Index"));
    assert.equal(afterIndex, beforeIndex, "indexes are the same after the restart");
    const services = await (await fetch(`${base}/agent/services`)).json();
    assert.deepEqual(
      Object.keys(services),
      ["mesh-gateway-1"],
      `the API registration came back\n${second.output()}`,
    );
    assert.equal(services["mesh-gateway-1"].Meta["consul-wan-federation"], "1");
    const checks = await (await fetch(`${base}/agent/checks`)).json();
    assert.deepEqual(
      Object.keys(checks).sort(),
      ["_service_maintenance:mesh-gateway-1", "service:mesh-gateway-1"],
      "with its check, still in maintenance",
    );
    assert.equal(checks["_service_maintenance:mesh-gateway-1"].Notes, "swap hardware");

    // process.kill, not child.kill: Deno's node:child_process reports a signal exit for any
    // child it was asked to signal, even one that handled the signal and exited 0.
    process.kill(second.child.pid!, "SIGTERM");
    assert.equal(await second.exited, 0, `clean exit on SIGTERM\n${second.output()}`);
    assert.match(second.output(), /shutdown complete/);
  });
});
