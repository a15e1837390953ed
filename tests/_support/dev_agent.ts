/**
 * An in-process `-dev` agent for tests, on free ports only: a `-dev` agent's server RPC and WAN
 * gossip ports default to 8300 and 8302, which two test files running in parallel would share.
 */
import { type RunningAgent, startAgent } from "../../src/agent/agent.ts";
import { createLogger } from "../../src/agent/logger.ts";
import { loadConfig } from "../../src/config/mod.ts";
import { currentRuntime } from "../../src/runtime/current.ts";
import { freePort } from "../e2e/_agent_process.ts";

/** A started `-dev` agent named `node` and its HTTP address (`127.0.0.1:<port>`). */
export async function startDevAgent(
  node: string,
): Promise<{ agent: RunningAgent; address: string }> {
  const runtime = await currentRuntime();
  const config = await loadConfig({
    fs: runtime.fs,
    args: [
      "-dev",
      `-node=${node}`,
      // Port 0 disables a listener in Consul's configuration, so pick free ones.
      `-http-port=${await freePort()}`,
      `-server-port=${await freePort()}`,
      `-serf-wan-port=${await freePort()}`,
      `-serf-lan-port=${await freePort()}`,
    ],
    hostname: `${node}-host`,
  });
  const logger = createLogger({ level: "ERROR", clock: runtime.clock, sink: () => {} });
  const agent = await startAgent(runtime, { config, logger });
  return { agent, address: `127.0.0.1:${agent.httpAddr.port}` };
}
