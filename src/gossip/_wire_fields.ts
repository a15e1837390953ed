/**
 * Field checks for decoded gossip messages, and the one error type decoding may raise.
 * Private to the gossip module.
 *
 * @module
 */

import { encode } from "@msgpack/msgpack";
import type { GossipAddr } from "./member.ts";

/** Version stamped on every packet and stream message; others are rejected. */
export const GOSSIP_PROTOCOL_VERSION = 1;
/** Longest member name, in UTF-16 code units. */
export const MAX_NAME_CHARS = 256;
/** Longest host name or address text. */
export const MAX_HOSTNAME_CHARS = 255;
/** Most tags on one member. */
export const MAX_TAGS = 64;
/** Largest MessagePack encoding of a member's tags (memberlist's meta limit). */
export const MAX_TAGS_BYTES = 512;

const MAX_UINT32 = 0xffff_ffff;

/** A member name with the address it answers on. */
export interface NodeRef {
  readonly name: string;
  readonly addr: GossipAddr;
}

/** Raised for any byte sequence that is not a well-formed gossip packet or stream message. */
export class GossipDecodeError extends Error {
  /** Builds the error. */
  constructor(message: string) {
    super(message);
    this.name = "GossipDecodeError";
  }
}

/** `value` as an array of exactly `length` fields. */
export function tuple(value: unknown, length: number, what: string): unknown[] {
  if (!Array.isArray(value) || value.length !== length) {
    throw new GossipDecodeError(`Gossip ${what} must be an array of ${length} fields`);
  }
  return value;
}

/** Accepts only our protocol version. */
export function checkVersion(version: unknown): void {
  if (version !== GOSSIP_PROTOCOL_VERSION) {
    throw new GossipDecodeError(
      `Gossip protocol version ${
        String(version)
      } is not supported (expected ${GOSSIP_PROTOCOL_VERSION})`,
    );
  }
}

/** An unsigned 32-bit integer field. */
export function uint32(value: unknown, field: string): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > MAX_UINT32) {
    throw new GossipDecodeError(`Gossip field ${field} must be an integer from 0 to ${MAX_UINT32}`);
  }
  return value;
}

/** A member name field (empty allowed only where `allowEmpty`). */
export function name(value: unknown, allowEmpty = false): string {
  if (
    typeof value !== "string" || value.length > MAX_NAME_CHARS ||
    (!allowEmpty && value.length === 0)
  ) {
    throw new GossipDecodeError(
      `Member name must be a string of 1 to ${MAX_NAME_CHARS} characters`,
    );
  }
  return value;
}

/** A host and port pair of fields. */
export function addr(hostname: unknown, port: unknown): GossipAddr {
  if (
    typeof hostname !== "string" || hostname.length === 0 || hostname.length > MAX_HOSTNAME_CHARS
  ) {
    throw new GossipDecodeError(`Host must be a string of 1 to ${MAX_HOSTNAME_CHARS} characters`);
  }
  if (typeof port !== "number" || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new GossipDecodeError("Port must be an integer from 0 to 65535");
  }
  return { hostname, port };
}

/** A name, host and port triple of fields. */
export function ref(n: unknown, h: unknown, p: unknown): NodeRef {
  return { name: name(n), addr: addr(h, p) };
}

/** A bounded map of string tags. */
export function tagMap(value: unknown): Record<string, string> {
  if (
    typeof value !== "object" || value === null || Array.isArray(value) ||
    value instanceof Uint8Array
  ) {
    throw new GossipDecodeError("Member tags must be a map of strings");
  }
  const entries = Object.entries(value);
  if (entries.length > MAX_TAGS) {
    throw new GossipDecodeError(`Members may carry at most ${MAX_TAGS} tags`);
  }
  for (const [key, tag] of entries) {
    if (typeof tag !== "string") throw new GossipDecodeError(`Tag ${key} must be a string`);
  }
  const tags = Object.fromEntries(entries);
  if (encodedTagsBytes(tags) > MAX_TAGS_BYTES) {
    throw new GossipDecodeError(`Member tags exceed ${MAX_TAGS_BYTES} bytes`);
  }
  return tags;
}

/** MessagePack size of a tag set, as bounded by {@linkcode MAX_TAGS_BYTES}. */
export function encodedTagsBytes(tags: Readonly<Record<string, string>>): number {
  return encode(tags).byteLength;
}
