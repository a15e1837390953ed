/**
 * Two datacenters federated only through mesh gateways, for the gateway benchmark's cross-DC
 * read latency: `startDemo` (dc1 primary, dc2 secondary, one server and two gateways each, all
 * in this process) on free loopback ports, waited on until each datacenter answers catalog
 * reads for the other, with one KV key written in each.
 *
 * Run: `deno run -A scripts/bench/_gateway_federation.ts <dir>` or
 * `bun scripts/bench/_gateway_federation.ts <dir>`; `<dir>` receives the demo's certificates,
 * configs and data. Prints one `listening <dc1 http port>` line once federated and runs until
 * SIGINT or SIGTERM. Not a benchmark by itself.
 *
 * @module
 */

import type { Runtime } from "../../src/runtime/ports.ts";
import { currentRuntime } from "../../src/runtime/current.ts";
import { type DemoDcPorts, startDemo } from "../../src/agent/demo.ts";
import { createLogger } from "../../src/agent/logger.ts";

/** The key read by the benchmark, written in both datacenters. */
export const CROSS_DC_KEY = "bench/gateway";
/** How long the federation may take to form. */
const FEDERATION_TIMEOUT_MS = 90_000;
/** Pause between federation checks. */
const FEDERATION_POLL_MS = 250;

async function freePorts(runtime: Runtime, count: number): Promise<number[]> {
  const listeners = [];
  for (let i = 0; i < count; i++) {
    listeners.push(await runtime.net.listenTcp({ hostname: "127.0.0.1", port: 0 }));
  }
  await Promise.all(listeners.map((listener) => listener.close()));
  return listeners.map((listener) => listener.addr.port);
}

async function demoPorts(runtime: Runtime): Promise<Record<"dc1" | "dc2", DemoDcPorts>> {
  const p = await freePorts(runtime, 10);
  return {
    dc1: { http: p[0], server: p[1], serfWan: p[2], gateways: [p[3], p[4]] },
    dc2: { http: p[5], server: p[6], serfWan: p[7], gateways: [p[8], p[9]] },
  };
}

/** Resolves once each datacenter serves a catalog read for the other. */
async function waitFederated(runtime: Runtime, dc1Http: number, dc2Http: number): Promise<void> {
  const deadline = runtime.clock.monotonicMs() + FEDERATION_TIMEOUT_MS;
  const answers = async (port: number, dc: string) => {
    const response = await fetch(`http://127.0.0.1:${port}/v1/catalog/services?dc=${dc}`)
      .catch(() => null);
    await response?.body?.cancel();
    return response?.status === 200;
  };
  while (!(await answers(dc1Http, "dc2") && await answers(dc2Http, "dc1"))) {
    if (runtime.clock.monotonicMs() > deadline) {
      throw new Error(`dc1 and dc2 did not federate within ${FEDERATION_TIMEOUT_MS} ms`);
    }
    await runtime.clock.sleep(FEDERATION_POLL_MS);
  }
}

async function putKey(port: number, value: string): Promise<void> {
  const response = await fetch(`http://127.0.0.1:${port}/v1/kv/${CROSS_DC_KEY}`, {
    method: "PUT",
    body: value,
  });
  const body = await response.text();
  if (response.status !== 200 || body.trim() !== "true") {
    throw new Error(`Writing ${CROSS_DC_KEY} failed: ${response.status} ${body}`);
  }
}

async function main(runtime: Runtime): Promise<void> {
  const dir = runtime.process.args[0];
  if (dir === undefined) {
    runtime.process.writeStderr("Usage: _gateway_federation.ts <dir>\n");
    runtime.process.exit(2);
  }
  const ports = await demoPorts(runtime);
  const logger = createLogger({
    level: "ERROR",
    clock: runtime.clock,
    sink: (line) => runtime.process.writeStderr(line),
  });
  const demo = await startDemo(runtime, { dir, logger, ports });
  const { promise: stopped, resolve: stop } = Promise.withResolvers<void>();
  runtime.process.onSignal("SIGTERM", stop);
  runtime.process.onSignal("SIGINT", stop);
  try {
    await waitFederated(runtime, ports.dc1.http, ports.dc2.http);
    await putKey(ports.dc1.http, "written in dc1");
    await putKey(ports.dc2.http, "written in dc2");
    runtime.process.writeStdout(`listening ${ports.dc1.http}\n`);
    await stopped;
  } finally {
    await demo.stop();
  }
  runtime.process.exit(0);
}

if (import.meta.main) await main(await currentRuntime());
