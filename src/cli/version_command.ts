/**
 * `consulate version`: prints the version, the runtime, and the protocol spoken.
 *
 * @module
 */
import { CONSUL_COMPATIBLE_VERSION, PROTOCOL_VERSION, VERSION } from "../version.ts";
import type { Command } from "./command.ts";

/** `consulate version`. */
export const versionCommand: Command = {
  path: ["version"],
  synopsis: "Prints the Consulate version",
  help: `Usage: consulate version

  Prints the Consulate version, the runtime it runs on, and the Consul protocol
  and API version it is compatible with.`,
  run(args, context) {
    if (args.length > 0) {
      context.stderr(`The version command expects no arguments, got: ${args.join(" ")}\n`);
      return Promise.resolve(1);
    }
    const runtime = context.runtime;
    context.stdout(
      `Consulate v${VERSION}\n` +
        `Runtime: ${runtime.name} ${runtimeVersion(runtime.name)}\n` +
        `Compatible with Consul v${CONSUL_COMPATIBLE_VERSION} HTTP API and configuration\n` +
        `Protocol ${PROTOCOL_VERSION.current} spoken by default, understands ` +
        `${PROTOCOL_VERSION.min} to ${PROTOCOL_VERSION.max} ` +
        `(agent will automatically use protocol >${PROTOCOL_VERSION.current} when speaking ` +
        `to compatible agents)\n`,
    );
    return Promise.resolve(0);
  },
};

function runtimeVersion(name: string): string {
  // The runtime object does not carry its version; the globals are read-only facts here.
  const global = globalThis as {
    Deno?: { version?: { deno?: string } };
    Bun?: { version?: string };
  };
  if (name === "deno") return global.Deno?.version?.deno ?? "unknown";
  if (name === "bun") return global.Bun?.version ?? "unknown";
  return "";
}
