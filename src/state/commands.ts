/**
 * The commands the state machine applies, as one JSON-serializable discriminated union, and
 * their byte codec for the Raft log.
 *
 * Times in commands (`nowMs`) are the leader's clock when it proposed the command: the store
 * never reads a clock, and every replica applies the same time. Binary KV values travel as
 * base64 text.
 *
 * @module
 */

import { StateError } from "./errors.ts";
import type {
  Coord,
  HealthStatus,
  JsonObject,
  ServiceAddress,
  ServiceWeights,
  SessionBehavior,
} from "./rows.ts";

/** A node as registered; missing optional fields default to empty. */
export interface NodeInput {
  readonly ID?: string;
  readonly Node: string;
  readonly Address?: string;
  readonly Datacenter?: string;
  readonly TaggedAddresses?: Readonly<Record<string, string>>;
  readonly Meta?: Readonly<Record<string, string>>;
}

/** A service instance as registered; `ID` defaults to `Service`, `Weights` to 1/1. */
export interface ServiceInput {
  readonly ID?: string;
  readonly Service: string;
  readonly Tags?: readonly string[];
  readonly Address?: string;
  readonly TaggedAddresses?: Readonly<Record<string, ServiceAddress>>;
  readonly Meta?: Readonly<Record<string, string>>;
  readonly Port?: number;
  readonly Weights?: ServiceWeights | null;
  readonly EnableTagOverride?: boolean;
  readonly Kind?: string;
  readonly Proxy?: JsonObject | null;
  readonly Connect?: JsonObject | null;
}

/** A health check as registered; `Status` defaults to "critical", as in Consul. */
export interface CheckInput {
  /** Defaults to the registration's node; must match it when given. */
  readonly Node?: string;
  readonly CheckID: string;
  readonly Name?: string;
  readonly Status?: HealthStatus;
  readonly Notes?: string;
  readonly Output?: string;
  readonly ServiceID?: string;
  readonly Type?: string;
  readonly Definition?: JsonObject;
  readonly Interval?: string;
  readonly Timeout?: string;
}

/**
 * A session to create. The proposer picks `ID` (a UUID) so that every replica stores the
 * same one. Defaults (Behavior "release", no checks) are the store's; Consul's HTTP defaults
 * (LockDelay 15s, NodeChecks ["serfHealth"]) belong to the HTTP layer.
 */
export interface SessionInput {
  readonly ID: string;
  readonly Name?: string;
  readonly Node: string;
  /** Nanoseconds. */
  readonly LockDelay?: number;
  readonly Behavior?: SessionBehavior | "";
  readonly TTL?: string;
  readonly NodeChecks?: readonly string[];
  readonly ServiceChecks?: readonly { readonly ID: string; readonly Namespace?: string }[];
}

/** A KV entry in a command. `Value` is base64 text or null. */
export interface KvEntryInput {
  readonly Key: string;
  readonly Flags?: number;
  readonly Value?: string | null;
  /** Lock holder for "lock"/"unlock". */
  readonly Session?: string;
  /** Expected ModifyIndex for "cas"/"delete-cas"; 0 with "cas" means create only. */
  readonly ModifyIndex?: number;
}

/** The operations of the `kv.set` command (Consul's `KVSOp`). */
export type KvOp = "set" | "cas" | "lock" | "unlock" | "delete" | "delete-tree" | "delete-cas";

/** A federation state to store; `PrimaryModifyIndex` 0 means "this is the primary". */
export interface FederationStateInput {
  readonly Datacenter: string;
  readonly MeshGateways?: readonly JsonObject[];
  readonly UpdatedAt: string;
  readonly PrimaryModifyIndex?: number;
}

/** One coordinate update. */
export interface CoordinateInput {
  readonly Node: string;
  readonly Segment?: string;
  readonly Coord: Coord;
}

/** KV verbs allowed in a transaction (Consul's `api.KVOp`). */
export type TxnKvVerb =
  | "set"
  | "cas"
  | "lock"
  | "unlock"
  | "get"
  | "get-or-empty"
  | "get-tree"
  | "check-session"
  | "check-index"
  | "check-not-exists"
  | "delete"
  | "delete-tree"
  | "delete-cas";

/** Catalog verbs allowed in a transaction for nodes, services and checks. */
export type TxnCatalogVerb = "get" | "set" | "cas" | "delete" | "delete-cas";

/** One transaction operation, shaped as Consul's `/v1/txn` body elements. */
export type TxnOp =
  | {
    readonly KV: {
      readonly Verb: TxnKvVerb;
      readonly Key: string;
      readonly Value?: string | null;
      readonly Flags?: number;
      readonly Index?: number;
      readonly Session?: string;
    };
  }
  | { readonly Node: { readonly Verb: TxnCatalogVerb; readonly Node: TxnNodeInput } }
  | {
    readonly Service: {
      readonly Verb: TxnCatalogVerb;
      readonly Node: string;
      readonly Service: ServiceInput & { readonly ModifyIndex?: number };
    };
  }
  | { readonly Check: { readonly Verb: TxnCatalogVerb; readonly Check: TxnCheckInput } }
  | { readonly Session: { readonly Verb: "delete"; readonly Session: { readonly ID: string } } };

/** A node inside a transaction operation; `ModifyIndex` is the CAS index. */
export type TxnNodeInput = NodeInput & { readonly ModifyIndex?: number };

/** A check inside a transaction operation; `ModifyIndex` is the CAS index. */
export type TxnCheckInput = CheckInput & { readonly Node: string; readonly ModifyIndex?: number };

/** Every command the state machine applies. */
export type Command =
  | {
    readonly type: "catalog.register";
    readonly nowMs: number;
    readonly node: NodeInput;
    readonly service?: ServiceInput;
    readonly checks?: readonly CheckInput[];
    /** Leave an existing node row as it is (agents re-registering services). */
    readonly skipNodeUpdate?: boolean;
  }
  | {
    readonly type: "catalog.deregister";
    readonly nowMs: number;
    readonly node: string;
    /** When given, only this service (and its checks) is removed. */
    readonly serviceId?: string;
    /** When given (and no serviceId), only this check is removed. */
    readonly checkId?: string;
  }
  | {
    readonly type: "kv.set";
    readonly nowMs: number;
    readonly op: KvOp;
    readonly entry: KvEntryInput;
  }
  | { readonly type: "kv.reapTombstones"; readonly upToIndex: number }
  | { readonly type: "session.create"; readonly session: SessionInput }
  | { readonly type: "session.destroy"; readonly nowMs: number; readonly id: string }
  | { readonly type: "txn"; readonly nowMs: number; readonly ops: readonly TxnOp[] }
  | { readonly type: "federationState.upsert"; readonly state: FederationStateInput }
  | { readonly type: "federationState.delete"; readonly datacenter: string }
  | { readonly type: "coordinate.batchUpdate"; readonly updates: readonly CoordinateInput[] };

/** The `type` of every command, for validation. */
export const COMMAND_TYPES: readonly Command["type"][] = [
  "catalog.register",
  "catalog.deregister",
  "kv.set",
  "kv.reapTombstones",
  "session.create",
  "session.destroy",
  "txn",
  "federationState.upsert",
  "federationState.delete",
  "coordinate.batchUpdate",
];

/** Largest encoded command accepted by {@linkcode decodeCommand} (Raft entries are bounded). */
export const MAX_COMMAND_BYTES = 8 * 1024 * 1024;

/** Encodes a command as UTF-8 JSON for the Raft log. */
export function encodeCommand(command: Command): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(command));
}

/**
 * Decodes bytes written by {@linkcode encodeCommand}.
 *
 * @throws {StateError} `bad_command` when the bytes are not a command. Field-level checks
 * happen when the command is applied.
 */
export function decodeCommand(bytes: Uint8Array): Command {
  if (bytes.length > MAX_COMMAND_BYTES) {
    throw new StateError(
      "bad_command",
      `Command is ${bytes.length} bytes; at most ${MAX_COMMAND_BYTES} are allowed`,
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch (cause) {
    throw new StateError("bad_command", "Command is not valid UTF-8 JSON", { cause });
  }
  const type = (value as { type?: unknown } | null)?.type;
  if (typeof value !== "object" || !COMMAND_TYPES.includes(type as Command["type"])) {
    throw new StateError(
      "bad_command",
      `Command type ${JSON.stringify(type)} is unknown; expected one of ${
        COMMAND_TYPES.join(", ")
      }`,
    );
  }
  return value as Command;
}

const BASE64_PATTERN = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * The ES2026 base64 methods of `Uint8Array` (native in Deno and Bun, not yet in the
 * TypeScript lib files we compile against).
 */
interface NativeBase64 {
  toBase64(): string;
}
interface NativeBase64Constructor {
  fromBase64(text: string): Uint8Array;
}

/** Encodes bytes as standard padded base64 (how Consul's JSON carries KV values). */
export function encodeBase64(bytes: Uint8Array): string {
  return (bytes as Uint8Array & NativeBase64).toBase64();
}

/**
 * Decodes standard padded base64.
 *
 * @throws {StateError} `invalid_input` when `text` is not base64.
 */
export function decodeBase64(text: string): Uint8Array {
  // The native decoder skips ASCII whitespace and accepts missing padding; Consul's (Go's)
  // does neither, so check first. Like Go's non-strict decoder (and atob), it ignores
  // non-zero bits in the last character.
  if (!BASE64_PATTERN.test(text)) {
    throw new StateError("invalid_input", "Value must be standard padded base64");
  }
  return (Uint8Array as unknown as NativeBase64Constructor).fromBase64(text);
}
