/**
 * The zod schema of one configuration source: the snake_case keys Consul's agent reads that
 * Consulate supports, every object strict so that an unknown key is an error. All keys are
 * optional here; defaults come from `defaults.ts` and cross-field rules from `validate.ts`.
 *
 * @module
 */
import { z } from "zod";
import { parseDuration } from "./duration.ts";

/**
 * HCL decodes each block as a list holding one object per occurrence; Consul's decoder takes a
 * one-element list where an object is expected (its `HookWeakDecodeFromSlice`). Do the same, so
 * `connect { ... }`, `connect = { ... }` and JSON's `"connect": { ... }` all mean one thing.
 */
function block<T extends z.ZodType>(schema: T) {
  return z.preprocess((value) => {
    if (Array.isArray(value) && value.length === 1 && isPlainObject(value[0])) return value[0];
    return value;
  }, schema).optional();
}

/** True for a non-null, non-array object. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

const duration = z.string().superRefine((text, context) => {
  try {
    parseDuration(text);
  } catch (error) {
    context.addIssue({ code: "custom", message: (error as Error).message });
  }
}).optional();

/** A string from a fixed set; `caseInsensitive` matches Consul's log level parsing. */
function oneOf(values: readonly string[], caseInsensitive = false) {
  return z.string().superRefine((text, context) => {
    const given = caseInsensitive ? text.toUpperCase() : text;
    if (!values.includes(given)) {
      const allowed = values.map((value) => `"${value}"`).join(", ");
      context.addIssue({
        code: "custom",
        message: `"${text}" is not allowed; use one of ${allowed}`,
      });
    }
  }).optional();
}

const str = z.string().optional();
const bool = z.boolean().optional();
const int = z.number().int().optional();
const strings = z.array(z.string()).optional();

/** Log levels Consul accepts (compared without case). `ERROR` is Consul's alias of `ERR`. */
export const LOG_LEVELS = ["TRACE", "DEBUG", "INFO", "WARN", "ERR", "ERROR"] as const;

/** ACL `default_policy` values. */
export const ACL_DEFAULT_POLICIES = ["allow", "deny"] as const;

/** ACL `down_policy` values. */
export const ACL_DOWN_POLICIES = ["allow", "deny", "extend-cache", "async-cache"] as const;

const tlsFiles = {
  ca_file: str,
  cert_file: str,
  key_file: str,
  verify_incoming: bool,
  verify_outgoing: bool,
};

/** The schema of one configuration source (a file, the flags, or the built-in defaults). */
export const SOURCE_SCHEMA = z.strictObject({
  datacenter: str,
  primary_datacenter: str,
  node_name: str,
  domain: str,
  server: bool,
  bootstrap: bool,
  bootstrap_expect: int,
  bind_addr: str,
  advertise_addr: str,
  advertise_addr_wan: str,
  client_addr: str,
  ports: block(z.strictObject({
    http: int,
    https: int,
    dns: int,
    server: int,
    serf_lan: int,
    serf_wan: int,
    grpc: int,
  })),
  data_dir: str,
  pid_file: str,
  retry_join: strings,
  retry_join_wan: strings,
  start_join: strings,
  start_join_wan: strings,
  retry_interval: duration,
  retry_interval_wan: duration,
  retry_max: int,
  retry_max_wan: int,
  primary_gateways: strings,
  primary_gateways_interval: duration,
  connect: block(z.strictObject({
    enabled: bool,
    enable_mesh_gateway_wan_federation: bool,
  })),
  tls: block(z.strictObject({
    defaults: block(z.strictObject(tlsFiles)),
    internal_rpc: block(z.strictObject({ ...tlsFiles, verify_server_hostname: bool })),
  })),
  // Consul's pre-1.12 top-level TLS keys, still read (with a deprecation warning).
  ca_file: str,
  cert_file: str,
  key_file: str,
  verify_incoming: bool,
  verify_outgoing: bool,
  verify_server_hostname: bool,
  acl: block(z.strictObject({
    enabled: bool,
    default_policy: oneOf(ACL_DEFAULT_POLICIES),
    down_policy: oneOf(ACL_DOWN_POLICIES),
    tokens: block(z.strictObject({
      initial_management: str,
      agent: str,
      replication: str,
    })),
  })),
  encrypt: str,
  log_level: oneOf(LOG_LEVELS, true),
  enable_script_checks: bool,
  session_ttl_min: duration,
  gossip_wan: block(z.strictObject({
    gossip_nodes: int,
    gossip_interval: duration,
    probe_interval: duration,
    probe_timeout: duration,
    suspicion_mult: int,
    retransmit_mult: int,
  })),
});

/** One source's configuration after schema checking: snake_case keys, all optional. */
export type SourceConfig = z.output<typeof SOURCE_SCHEMA>;

/**
 * The keys allowed in the object at `path` of a source, for "did you mean" hints; empty when
 * `path` does not lead to an object.
 */
export function knownKeysAt(path: readonly PropertyKey[]): string[] {
  let schema: unknown = SOURCE_SCHEMA;
  for (const segment of [...path, null]) {
    schema = unwrap(schema);
    if (segment === null) break;
    if (schema instanceof z.ZodArray) {
      schema = unwrap(schema.element);
      if (typeof segment === "number") continue;
    }
    if (!(schema instanceof z.ZodObject) || typeof segment !== "string") return [];
    schema = (schema.shape as Record<string, unknown>)[segment];
  }
  return schema instanceof z.ZodObject ? Object.keys(schema.shape) : [];
}

function unwrap(schema: unknown): unknown {
  let current = schema;
  while (true) {
    if (current instanceof z.ZodOptional) current = current.unwrap();
    else if (current instanceof z.ZodPipe) current = current.out;
    else return current;
  }
}
