/**
 * Check definitions as Consul's agent API accepts them (`/v1/agent/check/register` bodies and
 * the `Check`/`Checks` of a service definition), normalised, plus Consul's validation rules.
 */

import { InvalidDurationError, parseGoDuration } from "../../go_duration.ts";
import { type HealthStatus, isHealthStatus } from "./status.ts";

/** The kinds of check Consulate runs. */
export type CheckKind = "ttl" | "http" | "tcp" | "script";

/** A normalised check definition. Durations are milliseconds; 0 means "not set". */
export interface CheckDefinition {
  /** `ID` (or `CheckID`); empty when not given, then derived from the name or service. */
  readonly id: string;
  readonly name: string;
  readonly serviceId: string;
  readonly notes: string;
  /** Initial status; empty means Consul's default, critical. */
  readonly status: HealthStatus | "";
  readonly token: string;
  readonly ttlMs: number;
  readonly http: string;
  readonly method: string;
  readonly header: Readonly<Record<string, readonly string[]>>;
  readonly body: string;
  readonly tlsSkipVerify: boolean;
  readonly tlsServerName: string;
  readonly tcp: string;
  readonly scriptArgs: readonly string[];
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly deregisterCriticalServiceAfterMs: number;
  readonly successBeforePassing: number;
  readonly failuresBeforeCritical: number;
  readonly failuresBeforeWarning: number;
  /** Cap on captured output in bytes; 0 means the agent default (4 KiB). */
  readonly outputMaxSize: number;
}

/** A check definition that could not be decoded or breaks Consul's rules. */
export class CheckDefinitionError extends Error {
  override readonly name = "CheckDefinitionError";
  /** @param field The JSON field at fault, when one is. */
  constructor(message: string, readonly field?: string) {
    super(message);
  }
}

/** Check types Consul has and Consulate deliberately does not run. */
const UNSUPPORTED_FIELDS: Record<string, string> = {
  grpc: "GRPC",
  h2ping: "H2PING",
  udp: "UDP",
  dockercontainerid: "Docker",
  docker_container_id: "Docker",
  aliasnode: "Alias",
  aliasservice: "Alias",
  osservice: "OSService",
};

const DEFAULTS: CheckDefinition = {
  id: "",
  name: "",
  serviceId: "",
  notes: "",
  status: "",
  token: "",
  ttlMs: 0,
  http: "",
  method: "",
  header: {},
  body: "",
  tlsSkipVerify: false,
  tlsServerName: "",
  tcp: "",
  scriptArgs: [],
  intervalMs: 0,
  timeoutMs: 0,
  deregisterCriticalServiceAfterMs: 0,
  successBeforePassing: 0,
  failuresBeforeCritical: 0,
  failuresBeforeWarning: 0,
  outputMaxSize: 0,
};

/** Builds a definition from code, filling every unset field with its default. */
export function checkDefinition(fields: Partial<CheckDefinition>): CheckDefinition {
  return { ...DEFAULTS, ...fields };
}

/**
 * Decodes a check definition from Consul agent-API JSON. Field names match case-insensitively
 * (as Go's encoding/json does) and Consul's snake_case aliases are honoured (`args`,
 * `script_args`, `service_id`, `tls_skip_verify`, `tls_server_name`,
 * `deregister_critical_service_after`). Durations are Go strings ("10s") or nanosecond numbers.
 * Unknown fields are ignored, as Consul does.
 *
 * @throws {CheckDefinitionError} on a wrongly typed field or a check type Consulate lacks.
 */
export function parseCheckDefinition(input: unknown): CheckDefinition {
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    throw new CheckDefinitionError("Check definition must be a JSON object");
  }
  const fields = new Map<string, [string, unknown]>();
  for (const [key, value] of Object.entries(input)) fields.set(key.toLowerCase(), [key, value]);
  for (const [key, kind] of Object.entries(UNSUPPORTED_FIELDS)) {
    const entry = fields.get(key);
    if (entry && entry[1] !== "" && entry[1] !== null && entry[1] !== undefined) {
      throw new CheckDefinitionError(
        `${kind} checks are not supported by Consulate; use a TTL, HTTP, TCP or script check`,
        entry[0],
      );
    }
  }
  const read = new FieldReader(fields);
  const status = read.string("status");
  if (status !== "" && !isHealthStatus(status)) {
    throw new CheckDefinitionError(
      `Bad check status "${status}": use "passing", "warning" or "critical"`,
      "Status",
    );
  }
  return {
    id: read.string("id") || read.string("checkid"),
    name: read.string("name"),
    serviceId: read.string("serviceid") || read.string("service_id"),
    notes: read.string("notes"),
    status: status as HealthStatus | "",
    token: read.string("token"),
    ttlMs: read.duration("ttl"),
    http: read.string("http"),
    method: read.string("method"),
    header: read.header("header"),
    body: read.string("body"),
    tlsSkipVerify: read.bool("tlsskipverify") || read.bool("tls_skip_verify"),
    tlsServerName: read.string("tlsservername") || read.string("tls_server_name"),
    tcp: read.string("tcp"),
    scriptArgs: firstNonEmpty(
      read.strings("scriptargs"),
      read.strings("args"),
      read.strings("script_args"),
    ),
    intervalMs: read.duration("interval"),
    timeoutMs: read.duration("timeout"),
    deregisterCriticalServiceAfterMs: read.duration("deregistercriticalserviceafter") ||
      read.duration("deregister_critical_service_after"),
    successBeforePassing: read.count("successbeforepassing") ||
      read.count("success_before_passing"),
    failuresBeforeCritical: read.count("failuresbeforecritical") ||
      read.count("failures_before_critical"),
    failuresBeforeWarning: read.count("failuresbeforewarning") ||
      read.count("failures_before_warning"),
    outputMaxSize: read.count("outputmaxsize") || read.count("output_max_size"),
  };
}

/** The kind of runner a definition needs, in Consul's precedence; `undefined` when none fits. */
export function checkKind(def: CheckDefinition): CheckKind | undefined {
  if (def.ttlMs > 0) return "ttl";
  if (def.http !== "" && def.intervalMs > 0) return "http";
  if (def.tcp !== "" && def.intervalMs > 0) return "tcp";
  if (def.scriptArgs.length > 0 && def.intervalMs > 0) return "script";
  return undefined;
}

/**
 * Applies Consul's `CheckType.Validate` rules, with Consul's texts.
 *
 * @throws {CheckDefinitionError} naming the rule broken.
 */
export function validateCheckDefinition(def: CheckDefinition): void {
  const intervalCheck = def.scriptArgs.length > 0 || def.http !== "" || def.tcp !== "";
  if (def.intervalMs > 0 && def.ttlMs > 0) {
    throw new CheckDefinitionError("Interval and TTL cannot both be specified", "Interval");
  }
  if (intervalCheck && def.intervalMs <= 0) {
    throw new CheckDefinitionError(
      "Interval must be > 0 for Script, HTTP, or TCP checks",
      "Interval",
    );
  }
  if (!intervalCheck && def.ttlMs <= 0) {
    throw new CheckDefinitionError("TTL must be > 0 for TTL checks", "TTL");
  }
  if (def.failuresBeforeWarning > def.failuresBeforeCritical) {
    throw new CheckDefinitionError(
      "FailuresBeforeWarning can't be higher than FailuresBeforeCritical",
      "FailuresBeforeWarning",
    );
  }
}

function firstNonEmpty(...lists: string[][]): string[] {
  return lists.find((list) => list.length > 0) ?? [];
}

/** Typed reads from a lower-cased field map, each with an error naming the field. */
class FieldReader {
  readonly #fields: Map<string, [string, unknown]>;

  constructor(fields: Map<string, [string, unknown]>) {
    this.#fields = fields;
  }

  #get(key: string): [string, unknown] | undefined {
    const entry = this.#fields.get(key);
    return entry && entry[1] !== null && entry[1] !== undefined ? entry : undefined;
  }

  string(key: string): string {
    const entry = this.#get(key);
    if (!entry) return "";
    if (typeof entry[1] !== "string") throw typeError(entry[0], "a string");
    return entry[1];
  }

  bool(key: string): boolean {
    const entry = this.#get(key);
    if (!entry) return false;
    if (typeof entry[1] !== "boolean") throw typeError(entry[0], "true or false");
    return entry[1];
  }

  count(key: string): number {
    const entry = this.#get(key);
    if (!entry) return 0;
    const value = entry[1];
    if (typeof value !== "number" || !Number.isInteger(value) || value < 0) {
      throw typeError(entry[0], "a whole number of zero or more");
    }
    return value;
  }

  strings(key: string): string[] {
    const entry = this.#get(key);
    if (!entry) return [];
    const value = entry[1];
    if (!Array.isArray(value) || !value.every((item) => typeof item === "string")) {
      throw typeError(entry[0], "an array of strings");
    }
    return value;
  }

  duration(key: string): number {
    const entry = this.#get(key);
    if (!entry) return 0;
    const value = entry[1];
    // Consul reads JSON numbers as nanoseconds, as Go's time.Duration does.
    if (typeof value === "number" && Number.isFinite(value)) return value / 1e6;
    if (typeof value !== "string") {
      throw typeError(entry[0], 'a duration such as "10s" or a number of nanoseconds');
    }
    try {
      return value === "" ? 0 : parseGoDuration(value);
    } catch (error) {
      if (error instanceof InvalidDurationError) {
        throw new CheckDefinitionError(`${entry[0]}: ${error.message}`, entry[0]);
      }
      throw error;
    }
  }

  header(key: string): Record<string, string[]> {
    const entry = this.#get(key);
    if (!entry) return {};
    const value = entry[1];
    const shape = "an object mapping header names to arrays of strings";
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      throw typeError(entry[0], shape);
    }
    const header: Record<string, string[]> = {};
    for (const [name, values] of Object.entries(value)) {
      if (!Array.isArray(values) || !values.every((item) => typeof item === "string")) {
        throw typeError(entry[0], shape);
      }
      header[name] = [...values];
    }
    return header;
  }
}

function typeError(field: string, expected: string): CheckDefinitionError {
  return new CheckDefinitionError(`Field "${field}" must be ${expected}`, field);
}
