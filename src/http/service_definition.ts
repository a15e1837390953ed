/**
 * The body of `/v1/agent/service/register` (Consul's `structs.ServiceDefinition`): decoded,
 * validated with Consul's rules and texts, and split into the service record and its checks.
 */

import {
  type CheckDefinition,
  CheckDefinitionError,
  parseCheckDefinition,
  validateCheckDefinition,
} from "../agent/checks/mod.ts";
import type { NodeService } from "../agent/local/mod.ts";
import { Fields, isRecord, type Json, type JsonRecord } from "./_fields.ts";
import { badRequest } from "./errors.ts";

/** Consul's `metaMaxKeyPairs`. */
export const MAX_META_PAIRS = 64;
/** Consul's `metaKeyMaxLength`. */
export const MAX_META_KEY_CHARS = 128;
/** Consul's `metaValueMaxLength`. */
export const MAX_META_VALUE_CHARS = 512;
/** Most checks one service registration may carry. */
export const MAX_CHECKS_PER_SERVICE = 64;

const META_KEY_FORMAT = /^[a-zA-Z0-9_-]+$/;
const RESERVED_META_PREFIX = "consul-";
/** Reserved keys a mesh gateway may still set (Consul's `allowedConsulMetaKeysForMeshGateway`). */
const MESH_GATEWAY_CONSUL_META_KEYS: ReadonlySet<string> = new Set(["consul-wan-federation"]);

/** A decoded registration. */
export interface ServiceRegistration {
  readonly service: NodeService;
  readonly checks: readonly CheckDefinition[];
  /** The `Token` field: the ACL token the agent uses for this service's catalog writes. */
  readonly token: string;
}

function metaPairError(key: string, value: string, kind: string): string | undefined {
  if (key === "") return "Key cannot be blank";
  if (!META_KEY_FORMAT.test(key)) return "Key contains invalid characters";
  if (key.length > MAX_META_KEY_CHARS) {
    return `Key is too long (limit: ${MAX_META_KEY_CHARS} characters)`;
  }
  const allowed = kind === "mesh-gateway" && MESH_GATEWAY_CONSUL_META_KEYS.has(key);
  if (key.startsWith(RESERVED_META_PREFIX) && !allowed) {
    return `Key prefix '${RESERVED_META_PREFIX}' is reserved for internal use`;
  }
  if (value.length > MAX_META_VALUE_CHARS) {
    return `Value is too long (limit: ${MAX_META_VALUE_CHARS} characters)`;
  }
  return undefined;
}

/**
 * Consul's `ValidateServiceMetadata` text for `meta` of a service of `kind`, or undefined when
 * it is valid. Mesh gateways may carry `consul-wan-federation`; other `consul-` keys are reserved.
 */
export function serviceMetaError(
  meta: Readonly<Record<string, string>>,
  kind = "",
): string | undefined {
  const pairs = Object.entries(meta);
  if (pairs.length > MAX_META_PAIRS) {
    return `Service metadata cannot contain more than ${MAX_META_PAIRS} key/value pairs`;
  }
  for (const [key, value] of pairs) {
    const problem = metaPairError(key, value, kind);
    if (problem) return `Couldn't load metadata pair ('${key}', '${value}'): ${problem}`;
  }
  return undefined;
}

function taggedAddresses(fields: Fields) {
  const raw = fields.object("TaggedAddresses", "tagged_addresses");
  if (!raw) return undefined;
  const out: Record<string, { Address: string; Port: number }> = {};
  for (const [tag, value] of Object.entries(raw)) {
    const entry = new Fields(value, `TaggedAddresses["${tag}"]`);
    out[tag] = { Address: entry.string("Address"), Port: entry.int("Port", 0, 65535) };
  }
  return out;
}

function weights(fields: Fields) {
  const raw = fields.object("Weights");
  if (!raw) return { Passing: 1, Warning: 1 };
  const entry = new Fields(raw, "Weights");
  const out = {
    Passing: entry.int("Passing", -1e9, 1e9),
    Warning: entry.int("Warning", -1e9, 1e9),
  };
  if (out.Passing < 1) throw badRequest("Invalid Weights: Passing must be greater than 0");
  if (out.Warning < 0) throw badRequest("Invalid Weights: Warning must be greater or equal than 0");
  return out;
}

function isAnyAddress(address: string): boolean {
  return ["0.0.0.0", "::", "[::]"].includes(address);
}

/** Consul's `NodeService.Validate` rules for the kinds Consulate stores. */
function validateKind(kind: string, port: number, proxy: JsonRecord | undefined, socket: string) {
  const problems: string[] = [];
  if (kind === "connect-proxy") {
    const destination = proxy?.["DestinationServiceName"] ?? proxy?.["destination_service_name"];
    if (typeof destination !== "string" || destination === "") {
      problems.push("Proxy.DestinationServiceName must be non-empty for Connect proxy services");
    }
    if (port === 0 && socket === "") {
      problems.push("Port or SocketPath must be set for a Connect proxy");
    }
  }
  if (kind === "mesh-gateway" && port === 0) {
    problems.push("Port must be non-zero for a Mesh Gateway");
  }
  if (problems.length > 0) throw badRequest(`Validation failed: ${problems.join("; ")}`);
}

function checkDefinitions(fields: Fields): CheckDefinition[] {
  const raw: Json[] = [];
  const single = fields.raw("Check");
  if (isRecord(single) && Object.keys(single).length > 0) raw.push(single);
  raw.push(...(fields.array("Checks") ?? []));
  if (raw.length > MAX_CHECKS_PER_SERVICE) {
    throw badRequest(`Invalid check: a service may have at most ${MAX_CHECKS_PER_SERVICE} checks`);
  }
  return raw.map((value) => {
    if (isRecord(value)) {
      const status = new Fields(value, "Check").raw("Status");
      if (
        status !== undefined && !["passing", "warning", "critical", ""].includes(String(status))
      ) {
        throw badRequest("Status for checks must 'passing', 'warning', 'critical'");
      }
    }
    try {
      const def = parseCheckDefinition(value);
      validateCheckDefinition(def);
      return def;
    } catch (error) {
      if (error instanceof CheckDefinitionError) {
        throw badRequest(`Invalid check: ${error.message}`);
      }
      throw error;
    }
  });
}

/**
 * Decodes and validates a service registration body.
 *
 * @throws {HttpError} 400 with Consul's texts ("Missing service name", "Invalid service
 * address", "Invalid Weights: ...", "Invalid Service Meta: ...", "Invalid check: ...").
 */
export function parseServiceDefinition(body: unknown): ServiceRegistration {
  const fields = new Fields(body, "Service definition");
  const name = fields.string("Name");
  if (name === "") throw badRequest("Missing service name");
  const address = fields.string("Address");
  if (isAnyAddress(address)) throw badRequest("Invalid service address");
  const meta = fields.stringMap("Meta") ?? {};
  const kind = fields.string("Kind");
  const metaProblem = serviceMetaError(meta, kind);
  const port = fields.int("Port", 0, 65535);
  const proxy = fields.object("Proxy");
  const connect = fields.object("Connect");
  const socketPath = fields.string("SocketPath", "socket_path");
  const service: NodeService = {
    ID: fields.string("ID") || name,
    Service: name,
    Tags: fields.strings("Tags") ?? [],
    Address: address,
    Meta: meta,
    Port: port,
    Weights: weights(fields),
    EnableTagOverride: fields.bool("EnableTagOverride", "enable_tag_override"),
    TaggedAddresses: taggedAddresses(fields) ?? {},
    Kind: kind,
    ...(proxy ? { Proxy: proxy } : {}),
    ...(connect ? { Connect: connect } : {}),
    ...(socketPath ? { SocketPath: socketPath } : {}),
  };
  if (metaProblem) throw badRequest(`Invalid Service Meta: ${metaProblem}`);
  validateKind(kind, port, proxy, socketPath);
  if (connect && new Fields(connect, "Connect").has("SidecarService", "sidecar_service")) {
    throw badRequest(
      "Connect.SidecarService is not supported by Consulate; register the proxy as its own service",
    );
  }
  return { service, checks: checkDefinitions(fields), token: fields.string("Token") };
}
