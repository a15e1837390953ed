/**
 * `consulate connect envoy -gateway=mesh ...`: runs the built-in mesh gateway with the flags of
 * `consul connect envoy`, so scripts written for Consul carry over. No Envoy is involved, so
 * sidecar proxies, other gateway kinds and Envoy-only flags are refused with a clear error
 * rather than silently ignored. Runs until SIGINT/SIGTERM, then deregisters and exits 0.
 *
 * @module
 */
import { createLogger } from "../agent/logger.ts";
import type { ServiceAddress } from "../api/mod.ts";
import {
  GatewayStartError,
  type MeshGatewayOptions,
  startMeshGateway,
} from "../gateway/gateway.ts";
import { DEFAULT_ADMIN_BIND } from "../gateway/admin.ts";
import { DEFAULT_DEREGISTER_CRITICAL_AFTER } from "../gateway/registration.ts";
import { RouteSourceError } from "../gateway/route_source.ts";
import { RouteTableConfigError } from "../gateway/route_table.ts";
import type { ListenOptions } from "../runtime/ports.ts";
import { parseIpAddress } from "../tls/mod.ts";
import { CLIENT_FLAG_SPECS } from "./_http_flags.ts";
import type { CliContext, Command } from "./command.ts";
import { type FlagSpec, formatFlagHelp, type ParsedFlags, parseFlags } from "./flags.ts";

/** Port of `-address`/`-wan-address` when only an IP is given, as in Consul. */
export const DEFAULT_GATEWAY_PORT = 8443;

const GATEWAY_FLAG_SPECS: readonly FlagSpec[] = [
  flag("gateway", "string", "<kind>", "The type of gateway. Only 'mesh' is built in."),
  flag("mesh-gateway", "bool", "", "Deprecated form of -gateway=mesh."),
  flag(
    "register",
    "bool",
    "",
    "Register the gateway in the local agent before serving; " +
      "deregister it on shutdown.",
  ),
  flag(
    "expose-servers",
    "bool",
    "",
    "Expose the servers for WAN federation via this gateway " +
      "(adds the service meta consul-wan-federation=1). Requires -register.",
  ),
  flag("service", "string", "<name>", "Service name to register. Default: mesh-gateway."),
  flag("proxy-id", "string", "<id>", "Service ID to register. Default: the service name."),
  flag(
    "address",
    "string",
    "<ip:port>",
    "LAN address to advertise and listen on. " +
      `Default port ${DEFAULT_GATEWAY_PORT}; without an IP, listens on all interfaces.`,
  ),
  flag(
    "wan-address",
    "string",
    "<ip:port>",
    "WAN address to advertise; listened on too when " +
      "it belongs to this host.",
  ),
  flag(
    "bind-address",
    "list",
    "<name>=<ip:port>",
    "Listen here instead of on the LAN and WAN " +
      "addresses. Repeat for several.",
  ),
  flag(
    "admin-bind",
    "string",
    "<ip:port>",
    `Address of the admin listener (GET /stats, ` +
      `GET /ready). Default ${DEFAULT_ADMIN_BIND}; empty turns it off.`,
  ),
  flag(
    "deregister-after-critical",
    "string",
    "<duration>",
    "How long the gateway's check may " +
      `be critical before the agent deregisters it. Default ${DEFAULT_DEREGISTER_CRITICAL_AFTER}.`,
  ),
];

/** Consul flags that only make sense with Envoy; given anyway, they are refused. */
const ENVOY_ONLY_FLAGS: readonly [string, FlagSpec["kind"]][] = [
  ["envoy-binary", "string"],
  ["bootstrap", "bool"],
  ["no-central-config", "bool"],
  ["grpc-addr", "string"],
  ["envoy-version", "string"],
  ["admin-access-log-path", "string"],
  ["prometheus-backend-port", "string"],
  ["prometheus-scrape-path", "string"],
  ["prometheus-ca-file", "string"],
  ["prometheus-ca-path", "string"],
  ["prometheus-cert-file", "string"],
  ["prometheus-key-file", "string"],
  ["enable-config-gen-logging", "bool"],
  ["omit-deprecated-tags", "bool"],
  ["envoy-ready-bind-address", "string"],
  ["envoy-ready-bind-port", "string"],
  ["node-name", "string"],
];

const SIDECAR_FLAGS: readonly FlagSpec[] = [
  flag("sidecar-for", "string", "<service-id>", "Not supported: sidecars need Envoy."),
];

const ALL_SPECS: readonly FlagSpec[] = [
  ...GATEWAY_FLAG_SPECS,
  ...CLIENT_FLAG_SPECS,
  ...SIDECAR_FLAGS,
  ...ENVOY_ONLY_FLAGS.map(([name, kind]) => flag(name, kind, "", "Envoy only; refused.")),
];

const SUPPORTED_GATEWAY = "mesh";
const CONSUL_GATEWAY_KINDS = new Set(["mesh", "terminating", "ingress"]);

function flag(name: string, kind: FlagSpec["kind"], valueName: string, help: string): FlagSpec {
  return valueName === "" ? { name, kind, help } : { name, kind, help, valueName };
}

function helpText(usage: string, description: string): string {
  return `Usage: ${usage}\n\n${description}\n\nHTTP API Options:\n\n${
    formatFlagHelp(CLIENT_FLAG_SPECS)
  }\n\nCommand Options:\n\n${formatFlagHelp(GATEWAY_FLAG_SPECS)}\n\n` +
    "Envoy-only flags of consul connect envoy (-envoy-binary, -bootstrap, -grpc-addr, " +
    "-prometheus-*, ...) and sidecar mode (-sidecar-for) are refused: the gateway is built in.";
}

const DESCRIPTION =
  "  Runs Consulate's built-in mesh gateway. It reads the SNI of each TLS connection\n" +
  "  without decrypting it and splices the bytes to the named local server, any healthy\n" +
  "  local server, or another datacenter's gateway, following the catalog and federation\n" +
  "  states of the local agent. With -register it registers itself (Kind mesh-gateway) and\n" +
  "  deregisters on SIGINT/SIGTERM.";

/** `consulate connect envoy -gateway=mesh`. */
export const connectEnvoyCommand: Command = {
  path: ["connect", "envoy"],
  synopsis: "Runs the built-in mesh gateway (consul connect envoy -gateway=mesh flags)",
  help: helpText(
    "consulate connect envoy -gateway=mesh [-register] [-expose-servers] [options]",
    DESCRIPTION,
  ),
  run: (args, context) => runGatewayCommand(args, context, { gatewayImplied: false }),
};

/**
 * Parses the flags and runs the gateway until a signal. Shared by `connect envoy` and its
 * alias `mesh-gateway` (where `-gateway=mesh` is implied).
 *
 * @throws {UsageError} for unknown flags or values of the wrong kind.
 */
export async function runGatewayCommand(
  args: readonly string[],
  context: CliContext,
  options: { gatewayImplied: boolean },
): Promise<number> {
  const flags = parseFlags(args, ALL_SPECS);
  let gatewayOptions: Omit<MeshGatewayOptions, "runtime" | "log">;
  try {
    gatewayOptions = gatewayOptionsFromFlags(flags, options.gatewayImplied);
  } catch (error) {
    if (!(error instanceof GatewayFlagError)) throw error;
    context.stderr(`${error.message}\n`);
    return 1;
  }
  return await runUntilSignal(context, gatewayOptions);
}

/** A flag combination the built-in gateway cannot honour; printed as is. */
export class GatewayFlagError extends Error {
  override readonly name = "GatewayFlagError";
}

/**
 * Turns parsed flags into gateway options, applying Consul's rules and texts.
 *
 * @throws {GatewayFlagError} for refused flags, unsupported modes and bad addresses.
 */
export function gatewayOptionsFromFlags(
  flags: ParsedFlags,
  gatewayImplied: boolean,
): Omit<MeshGatewayOptions, "runtime" | "log"> {
  const text = (name: string) => (flags.values.get(name) as string | undefined) ?? "";
  const bool = (name: string) => flags.values.get(name) === true;
  refuseUnsupported(flags);
  if (flags.positionals.length > 0) {
    throw new GatewayFlagError(
      `Unexpected arguments ${JSON.stringify(flags.positionals.join(" "))}: consul connect ` +
        "envoy passes these to Envoy, but the built-in gateway runs no Envoy. Remove them.",
    );
  }
  checkGatewayKind(text("gateway"), bool("mesh-gateway"), gatewayImplied);
  if (bool("expose-servers") && !bool("register")) {
    throw new GatewayFlagError("'-expose-servers' requires '-register'");
  }
  return {
    agentAddr: text("http-addr") || undefined,
    token: text("token") || undefined,
    serviceName: text("service") || undefined,
    serviceId: text("proxy-id") || undefined,
    lanAddr: addressFlag("address", text("address")),
    wanAddr: flags.values.has("wan-address")
      ? addressFlag("wan-address", text("wan-address"))
      : null,
    bindAddrs: bindAddressFlags((flags.values.get("bind-address") as string[] | undefined) ?? []),
    exposeServers: bool("expose-servers"),
    register: bool("register"),
    deregisterCriticalServiceAfter: text("deregister-after-critical") || undefined,
    adminAddr: adminBind(flags.values.has("admin-bind") ? text("admin-bind") : DEFAULT_ADMIN_BIND),
  };
}

function refuseUnsupported(flags: ParsedFlags): void {
  for (const name of flags.order) {
    if (name === "sidecar-for") {
      throw new GatewayFlagError(
        "Only -gateway=mesh is built in: Consulate runs no Envoy, so it cannot be a sidecar " +
          "proxy (-sidecar-for). Run Envoy with Consul's own CLI for sidecars.",
      );
    }
    if (ENVOY_ONLY_FLAGS.some(([envoyFlag]) => envoyFlag === name)) {
      throw new GatewayFlagError(
        `The -${name} flag configures Envoy, which Consulate does not run: its mesh gateway is ` +
          "built in. Remove the flag.",
      );
    }
  }
}

function checkGatewayKind(given: string, deprecatedMesh: boolean, implied: boolean): void {
  if (deprecatedMesh && given !== "") {
    throw new GatewayFlagError(
      "The mesh-gateway flag is deprecated and cannot be used alongside the gateway flag",
    );
  }
  const kind = deprecatedMesh || (implied && given === "") ? SUPPORTED_GATEWAY : given;
  if (kind === "") {
    throw new GatewayFlagError(
      "Only -gateway=mesh is built in: add -gateway=mesh. Sidecar proxies (-proxy-id without " +
        "-gateway) need Envoy.",
    );
  }
  if (!CONSUL_GATEWAY_KINDS.has(kind)) {
    throw new GatewayFlagError("Gateway must be one of: terminating, mesh, or ingress");
  }
  if (kind !== SUPPORTED_GATEWAY) {
    throw new GatewayFlagError(
      `Only -gateway=mesh is built in; ${kind} gateways need Envoy (consul connect envoy ` +
        `-gateway=${kind}).`,
    );
  }
}

/**
 * Parses `ip[:port]`, `[ipv6]:port` or `:port` as Consul's `-address` does: the port defaults
 * to {@linkcode DEFAULT_GATEWAY_PORT}; without a port the whole value must be an IP.
 *
 * @throws {GatewayFlagError} for anything else, including go-sockaddr templates.
 */
export function parseServiceAddress(raw: string): ServiceAddress {
  if (raw === "") return { Address: "", Port: DEFAULT_GATEWAY_PORT };
  if (raw.includes("{{")) {
    throw new GatewayFlagError(
      `Error parsing address "${raw}": go-sockaddr templates are not supported; give an IP address`,
    );
  }
  const bracketed = /^\[([^\]]+)\](?::(\d*))?$/.exec(raw);
  let host: string;
  let portText: string | undefined;
  if (bracketed) {
    [, host, portText] = bracketed;
  } else if ((raw.match(/:/g) ?? []).length === 1) {
    [host, portText] = raw.split(":");
  } else {
    host = raw;
  }
  if (portText === undefined && !isIp(host)) {
    throw new GatewayFlagError(`Error parsing address "${raw}": not an IP address`);
  }
  const port = portText === undefined || portText === "" ? DEFAULT_GATEWAY_PORT : Number(portText);
  if (!/^\d*$/.test(portText ?? "") || port > 65535) {
    throw new GatewayFlagError(`Error parsing port "${portText}": use a number from 1 to 65535`);
  }
  return { Address: host, Port: port };
}

function addressFlag(name: string, raw: string): ServiceAddress {
  try {
    return parseServiceAddress(raw);
  } catch (error) {
    if (!(error instanceof GatewayFlagError)) throw error;
    throw new GatewayFlagError(`invalid value "${raw}" for flag -${name}: ${error.message}`);
  }
}

function bindAddressFlags(values: readonly string[]): Record<string, ServiceAddress> {
  const result: Record<string, ServiceAddress> = {};
  for (const raw of values) {
    const eq = raw.indexOf("=");
    if (eq === -1) {
      throw new GatewayFlagError(
        `invalid value "${raw}" for flag -bind-address: Missing "=" in argument: ${raw}`,
      );
    }
    result[raw.slice(0, eq)] = addressFlag("bind-address", raw.slice(eq + 1));
  }
  return result;
}

function adminBind(raw: string): ListenOptions | null {
  if (raw === "") return null;
  const colon = raw.lastIndexOf(":");
  const port = Number(raw.slice(colon + 1));
  const hostname = raw.slice(0, colon).replace(/^\[(.*)\]$/, "$1");
  if (colon <= 0 || !/^\d+$/.test(raw.slice(colon + 1)) || port > 65535) {
    throw new GatewayFlagError(
      `invalid value "${raw}" for flag -admin-bind: use host:port, e.g. ${DEFAULT_ADMIN_BIND}`,
    );
  }
  return { hostname, port };
}

function isIp(text: string): boolean {
  try {
    parseIpAddress(text);
    return true;
  } catch {
    return false;
  }
}

async function runUntilSignal(
  context: CliContext,
  options: Omit<MeshGatewayOptions, "runtime" | "log">,
): Promise<number> {
  const { runtime } = context;
  const log = createLogger({
    level: "INFO",
    clock: runtime.clock,
    sink: (line) => context.stdout(line),
    name: "mesh-gateway",
  });
  let gateway;
  try {
    gateway = await startMeshGateway({ ...options, runtime, log });
  } catch (error) {
    const known = error instanceof GatewayStartError || error instanceof RouteSourceError ||
      error instanceof RouteTableConfigError;
    if (!known) throw error;
    context.stderr(`${error.message}\n`);
    return 1;
  }
  if (gateway.registration !== null) {
    context.stdout(`Registered service: ${gateway.registration.Name}\n`);
  }
  const signalled = await new Promise<string>((resolve) => {
    const removers = (["SIGINT", "SIGTERM"] as const).map((signal) =>
      runtime.process.onSignal(signal, () => {
        removers.forEach((remove) => remove());
        resolve(signal);
      })
    );
  });
  log.info("caught signal; shutting down", { signal: signalled });
  await gateway.stop();
  return 0;
}
