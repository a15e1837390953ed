/**
 * `consulate demo`: starts a primary and a secondary datacenter on this machine, federated only
 * through their mesh gateways, and shows the verification from Consul's guide — every server in
 * `members -wan`, and a `?dc=` request each way — then runs until interrupted.
 *
 * @module
 */
import { ConsulClient } from "../api/mod.ts";
import { type Demo, startDemo } from "../agent/demo.ts";
import { createLogger, parseLogLevel } from "../agent/logger.ts";
import { type CliContext, type Command, UsageError } from "./command.ts";
import { type FlagSpec, formatFlagHelp, parseFlags } from "./flags.ts";
import { membersCommand } from "./members_command.ts";

const FLAGS: readonly FlagSpec[] = [
  {
    name: "dir",
    kind: "string",
    valueName: "<path>",
    help: "Where certificates, configs and data go. Default: ./consulate-demo (replaced on start).",
  },
  {
    name: "log-level",
    kind: "string",
    valueName: "<level>",
    help: "Agents' log level. Default: WARN.",
  },
  {
    name: "once",
    kind: "bool",
    help: "Exit after the verification instead of running until Ctrl-C.",
  },
  {
    name: "timeout",
    kind: "int",
    valueName: "<seconds>",
    help: "How long to wait for the federation to form before giving up. Default: 60.",
  },
];

/** `consulate demo`. */
export const demoCommand: Command = {
  path: ["demo"],
  synopsis: "Runs two datacenters federated through mesh gateways on this machine",
  help: `Usage: consulate demo [options]

  Starts datacenter dc1 (primary: HTTP 127.0.0.1:8500, gateways :8443 and :8444) and dc2
  (secondary: HTTP 127.0.0.1:9500, gateways :9443 and :9444), one server and two mesh
  gateways each. The secondary knows only the primary's gateway addresses
  (primary_gateways); every byte between the datacenters passes through the gateways.
  Prints Consul's verification checks, then runs until Ctrl-C.

Options:

${formatFlagHelp(FLAGS)}`,
  async run(args, context) {
    const flags = parseFlags(args, FLAGS);
    if (flags.positionals.length > 0) throw new UsageError("demo takes no arguments");
    const level = parseLogLevel((flags.values.get("log-level") as string | undefined) ?? "ERROR");
    if (!level) throw new UsageError("Invalid -log-level: use trace, debug, info, warn or error");
    const runtime = context.runtime;
    const dir = (flags.values.get("dir") as string | undefined) ??
      `${runtime.process.cwd()}/consulate-demo`;
    await runtime.fs.remove(dir, { recursive: true }).catch(() => {});
    const logger = createLogger({
      level,
      clock: runtime.clock,
      sink: (line) => context.stderr(line),
    });
    const say = (text: string) => context.stdout(`==> ${text}\n`);
    let demo: Demo;
    try {
      demo = await startDemo(runtime, { dir, logger, onStep: say });
    } catch (error) {
      context.stderr(`==> The demo could not start: ${(error as Error).message}\n`);
      return 1;
    }
    try {
      const timeoutMs = ((flags.values.get("timeout") as number | undefined) ?? 60) * 1000;
      say("Waiting for the datacenters to federate through the gateways...");
      const formedMs = await waitForFederation(demo, runtime.clock, timeoutMs);
      say(`Federated in ${(formedMs / 1000).toFixed(1)} s. Verification:`);
      await showVerification(demo, context);
      showGatewayTraffic(demo, say);
      if (flags.values.get("once") === true) return 0;
      say("Federation via mesh gateways is running. Press Ctrl-C to stop.");
      await new Promise<void>((resolve) => {
        runtime.process.onSignal("SIGINT", resolve);
        runtime.process.onSignal("SIGTERM", resolve);
      });
      return 0;
    } catch (error) {
      context.stderr(`==> ${(error as Error).message}\n`);
      return 1;
    } finally {
      say("Stopping the demo...");
      await demo.stop();
    }
  },
};

async function waitForFederation(
  demo: Demo,
  clock: { monotonicMs(): number; sleep(ms: number): Promise<void> },
  timeoutMs: number,
): Promise<number> {
  const started = clock.monotonicMs();
  const checks = [
    [demo.primary, demo.secondary],
    [demo.secondary, demo.primary],
  ] as const;
  let last = "";
  while (clock.monotonicMs() - started < timeoutMs) {
    try {
      let ok = true;
      for (const [from, to] of checks) {
        const client = new ConsulClient({ address: from.httpAddr });
        const members = await client.agent.members({ wan: true });
        const alive = members.filter((m) => m.Status === 1).length;
        if (alive < 2) {
          ok = false;
          last = `${from.dc} sees ${alive} of 2 servers alive in the WAN pool`;
          break;
        }
        await client.catalog.services({ dc: to.dc });
      }
      if (ok) return clock.monotonicMs() - started;
    } catch (error) {
      last = (error as Error).message;
    }
    await clock.sleep(500);
  }
  throw new Error(`The datacenters did not federate within ${timeoutMs / 1000} s (last: ${last})`);
}

async function showVerification(demo: Demo, context: CliContext): Promise<void> {
  for (const dc of [demo.primary, demo.secondary]) {
    context.stdout(`\n$ consulate members -wan -http-addr=${dc.httpAddr}\n`);
    await membersCommand.run(["-wan", `-http-addr=${dc.httpAddr}`], context);
  }
  for (const [from, to] of [[demo.primary, demo.secondary], [demo.secondary, demo.primary]]) {
    const client = new ConsulClient({ address: from.httpAddr });
    const services = await client.catalog.services({ dc: to.dc });
    context.stdout(`\n$ curl http://${from.httpAddr}/v1/catalog/services?dc=${to.dc}\n`);
    context.stdout(`${JSON.stringify(services.value)}\n`);
    const key = `demo/written-from-${from.dc}`;
    await client.kv.put(key, `hello from ${from.dc}`, { dc: to.dc });
    context.stdout(
      `$ consulate kv put -http-addr=${from.httpAddr} -datacenter=${to.dc} ${key} ...\n`,
    );
    context.stdout(`Success! Data written to: ${key} (in ${to.dc})\n`);
  }
  context.stdout("\n");
}

function showGatewayTraffic(demo: Demo, say: (text: string) => void): void {
  for (const dc of [demo.primary, demo.secondary]) {
    dc.gateways.forEach((gateway, i) => {
      const { totals, rejects } = gateway.counters.snapshot();
      const reasons = Object.entries(rejects).map(([reason, n]) => `${n} ${reason}`).join(", ");
      say(
        `${dc.dc} mesh gateway ${i + 1}: ${totals.connections} connections spliced, ` +
          `${totals.bytesIn + totals.bytesOut} bytes` +
          (reasons ? `; closed without routing: ${reasons}` : ""),
      );
    });
  }
}
