/**
 * The Consulate side of the gateway benchmark: the mesh gateway's data path
 * ({@linkcode GatewayProxy}) in its own process, fed a fixed route table whose one local server
 * `s1` in `dc1` is the benchmark's echo server. Everything but the route source is what
 * `consulate connect envoy -gateway=mesh` runs: ClientHello sniffing, route lookup, dial,
 * hello replay, and the metered, idle-timed splice.
 *
 * Run: `deno run -A scripts/bench/_gateway_proxy.ts <target host:port>` or
 * `bun scripts/bench/_gateway_proxy.ts <target host:port>`. Prints one `listening <port>` line
 * when ready (127.0.0.1, a free port) and runs until SIGINT or SIGTERM, then prints the
 * gateway's counters as one JSON line on stderr. Not a benchmark by itself.
 *
 * @module
 */

import type { Runtime } from "../../src/runtime/ports.ts";
import { currentRuntime } from "../../src/runtime/current.ts";
import { GatewayCounters } from "../../src/gateway/counters.ts";
import { GatewayProxy } from "../../src/gateway/proxy.ts";
import { buildRouteTable } from "../../src/gateway/route_table.ts";
import { BENCH_DC, BENCH_DOMAIN, BENCH_NODE } from "./_gateway_protocol.ts";

async function main(runtime: Runtime): Promise<void> {
  const target = runtime.process.args[0];
  if (target === undefined || !/^[\d.]+:\d+$/.test(target)) {
    runtime.process.writeStderr(`Usage: _gateway_proxy.ts <target host:port>, got "${target}"\n`);
    runtime.process.exit(2);
  }
  const table = buildRouteTable({
    localDc: BENCH_DC,
    domain: BENCH_DOMAIN,
    localServers: [{ node: BENCH_NODE, rpcAddr: target, healthy: true }],
    gatewaysByDc: new Map(),
  });
  const counters = new GatewayCounters();
  const proxy = new GatewayProxy({
    net: runtime.net,
    clock: runtime.clock,
    random: runtime.random,
    counters,
    routes: () => table,
  });
  const listener = await runtime.net.listenTcp({ hostname: "127.0.0.1", port: 0 });
  proxy.serve(listener);
  runtime.process.writeStdout(`listening ${listener.addr.port}\n`);
  const { promise: stopped, resolve: stop } = Promise.withResolvers<void>();
  runtime.process.onSignal("SIGTERM", stop);
  runtime.process.onSignal("SIGINT", stop);
  await stopped;
  await proxy.close({ graceMs: 0 });
  runtime.process.writeStderr(JSON.stringify(counters.snapshot().totals) + "\n");
  runtime.process.exit(0);
}

if (import.meta.main) await main(await currentRuntime());
