/**
 * Turns a service definition as written in Consul configuration files — snake_case keys,
 * HCL blocks decoded as one-element lists — into the registration body the agent API takes
 * (`PUT /v1/agent/service/register`, PascalCase keys). Field names match case-insensitively
 * and with or without underscores, so JSON written in the API's own spelling works too.
 *
 * Not handled: `connect` and `proxy` sections (rejected with a pointer to the HTTP API),
 * namespaces and partitions.
 *
 * @module
 */
import type { AgentServiceCheck, AgentServiceRegistration, ServiceAddress } from "./types.ts";

/** A definition that cannot become a registration; the message names where and which field. */
export class ServiceDefinitionError extends Error {
  /** Always `"ServiceDefinitionError"`. */
  override readonly name = "ServiceDefinitionError";
}

type FieldKind = "string" | "int" | "bool" | "strings" | "stringMap" | "headerMap";

/** Service fields by their configuration-file name: API name and kind. */
const SERVICE_FIELDS: Record<string, readonly [string, FieldKind | "special"]> = {
  id: ["ID", "string"],
  name: ["Name", "string"],
  kind: ["Kind", "string"],
  tags: ["Tags", "strings"],
  address: ["Address", "string"],
  port: ["Port", "int"],
  socket_path: ["SocketPath", "string"],
  meta: ["Meta", "stringMap"],
  enable_tag_override: ["EnableTagOverride", "bool"],
  token: ["Token", "string"],
  tagged_addresses: ["TaggedAddresses", "special"],
  weights: ["Weights", "special"],
  check: ["Check", "special"],
  checks: ["Checks", "special"],
};

/** Check fields by their configuration-file name: API name and kind. */
const CHECK_FIELDS: Record<string, readonly [string, FieldKind]> = {
  id: ["CheckID", "string"],
  check_id: ["CheckID", "string"],
  name: ["Name", "string"],
  notes: ["Notes", "string"],
  status: ["Status", "string"],
  ttl: ["TTL", "string"],
  interval: ["Interval", "string"],
  timeout: ["Timeout", "string"],
  http: ["HTTP", "string"],
  method: ["Method", "string"],
  header: ["Header", "headerMap"],
  body: ["Body", "string"],
  tcp: ["TCP", "string"],
  args: ["ScriptArgs", "strings"],
  script_args: ["ScriptArgs", "strings"],
  tls_skip_verify: ["TLSSkipVerify", "bool"],
  tls_server_name: ["TLSServerName", "string"],
  deregister_critical_service_after: ["DeregisterCriticalServiceAfter", "string"],
  success_before_passing: ["SuccessBeforePassing", "int"],
  failures_before_critical: ["FailuresBeforeCritical", "int"],
  failures_before_warning: ["FailuresBeforeWarning", "int"],
  output_max_size: ["OutputMaxSize", "int"],
};

/** The same tables keyed by squashed name (lower case, no underscores), for lookups. */
const SERVICE_LOOKUP = bySquashedName(SERVICE_FIELDS);
const CHECK_LOOKUP = bySquashedName(CHECK_FIELDS);

function bySquashedName<T>(fields: Record<string, T>): Map<string, T> {
  return new Map(Object.entries(fields).map(([name, field]) => [squash(name), field]));
}

/**
 * Converts one service definition to a registration body.
 *
 * @param definition the decoded `service` object (or a one-element list of it, as HCL gives).
 * @param where names the source in error messages, e.g. `"web.hcl: service"`.
 * @throws {ServiceDefinitionError} for an unknown or wrongly typed field or a missing name.
 * @example
 * ```ts
 * const body = serviceRegistrationFromDefinition(
 *   { name: "web", port: 80, tagged_addresses: [{ lan: [{ address: "10.0.0.1", port: 80 }] }] },
 *   "web.hcl: service",
 * );
 * // { Name: "web", Port: 80, TaggedAddresses: { lan: { Address: "10.0.0.1", Port: 80 } } }
 * ```
 */
export function serviceRegistrationFromDefinition(
  definition: unknown,
  where: string,
): AgentServiceRegistration {
  const source = singleObject(definition, where);
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(source)) {
    const squashed = squash(key);
    if (squashed === "connect" || squashed === "proxy") {
      throw new ServiceDefinitionError(
        `${where}: "${key}" is not supported in service files yet; register such services ` +
          "through PUT /v1/agent/service/register",
      );
    }
    const field = SERVICE_LOOKUP.get(squashed);
    if (!field) throw unknownField(where, key, SERVICE_FIELDS);
    const [name, kind] = field;
    const at = `${where}.${key}`;
    if (kind !== "special") result[name] = decodeField(value, kind, at);
    else if (name === "TaggedAddresses") result[name] = taggedAddresses(value, at);
    else if (name === "Weights") result[name] = weights(value, at);
    else if (name === "Check") result[name] = check(value, at);
    else result[name] = listOf(value).map((each, i) => check(each, `${at}[${i}]`));
  }
  if (typeof result.Name !== "string" || result.Name === "") {
    throw new ServiceDefinitionError(`${where}: missing service name ("name")`);
  }
  return result as AgentServiceRegistration;
}

function check(value: unknown, where: string): AgentServiceCheck {
  const result: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(singleObject(value, where))) {
    const known = CHECK_LOOKUP.get(squash(key));
    if (!known) throw unknownField(where, key, CHECK_FIELDS);
    result[known[0]] = decodeField(field, known[1], `${where}.${key}`);
  }
  return result as AgentServiceCheck;
}

function taggedAddresses(value: unknown, where: string): Record<string, ServiceAddress> {
  const result: Record<string, ServiceAddress> = {};
  for (const [tag, entry] of Object.entries(mergedObject(value, where))) {
    const at = `${where}.${tag}`;
    const address: Record<string, unknown> = { Address: "", Port: 0 };
    for (const [key, field] of Object.entries(singleObject(entry, at))) {
      const squashed = squash(key);
      if (squashed === "address") address.Address = decodeField(field, "string", `${at}.${key}`);
      else if (squashed === "port") address.Port = decodeField(field, "int", `${at}.${key}`);
      else {throw new ServiceDefinitionError(
          `${at}: unknown field "${key}"; allowed: address, port`,
        );}
    }
    result[tag] = address as unknown as ServiceAddress;
  }
  return result;
}

function weights(value: unknown, where: string): { Passing: number; Warning: number } {
  const result = { Passing: 1, Warning: 1 };
  for (const [key, field] of Object.entries(singleObject(value, where))) {
    const squashed = squash(key);
    if (squashed === "passing") {
      result.Passing = decodeField(field, "int", `${where}.${key}`) as number;
    } else if (squashed === "warning") {
      result.Warning = decodeField(field, "int", `${where}.${key}`) as number;
    } else {throw new ServiceDefinitionError(
        `${where}: unknown field "${key}"; allowed: passing, warning`,
      );}
  }
  return result;
}

function decodeField(value: unknown, kind: FieldKind, where: string): unknown {
  switch (kind) {
    case "string":
      if (typeof value === "string") return value;
      break;
    case "int":
      if (Number.isSafeInteger(value) && (value as number) >= 0) return value;
      break;
    case "bool":
      if (typeof value === "boolean") return value;
      break;
    case "strings":
      if (Array.isArray(value) && value.every((item) => typeof item === "string")) return value;
      break;
    case "stringMap": {
      const map = mergedObject(value, where);
      if (Object.values(map).every((item) => typeof item === "string")) return map;
      break;
    }
    case "headerMap": {
      const map = mergedObject(value, where);
      const ok = Object.values(map).every((list) =>
        Array.isArray(list) && list.every((item) => typeof item === "string")
      );
      if (ok) return map;
      break;
    }
  }
  throw new ServiceDefinitionError(`${where}: expected ${KIND_TEXT[kind]}, got ${describe(value)}`);
}

const KIND_TEXT: Record<FieldKind, string> = {
  string: "a string",
  int: "a non-negative integer",
  bool: "true or false",
  strings: "a list of strings",
  stringMap: "a map of strings",
  headerMap: "a map of string lists",
};

function describe(value: unknown): string {
  if (Array.isArray(value)) return "a list";
  if (value === null) return "null";
  return typeof value === "object" ? "an object" : JSON.stringify(value);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** An object, or the only object of a one-element list (an HCL block). */
function singleObject(value: unknown, where: string): Record<string, unknown> {
  if (Array.isArray(value) && value.length === 1 && isPlainObject(value[0])) return value[0];
  if (isPlainObject(value)) return value;
  throw new ServiceDefinitionError(`${where}: expected an object, got ${describe(value)}`);
}

/** An object, or the merge of a list of objects (repeated HCL blocks). */
function mergedObject(value: unknown, where: string): Record<string, unknown> {
  if (Array.isArray(value) && value.every(isPlainObject)) return Object.assign({}, ...value);
  if (isPlainObject(value)) return value;
  throw new ServiceDefinitionError(`${where}: expected an object, got ${describe(value)}`);
}

function listOf(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [value];
}

function squash(key: string): string {
  return key.toLowerCase().replaceAll("_", "");
}

function unknownField(
  where: string,
  key: string,
  fields: Record<string, unknown>,
): ServiceDefinitionError {
  const names = Object.keys(fields).sort().join(", ");
  return new ServiceDefinitionError(`${where}: unknown field "${key}"; allowed: ${names}`);
}
