/**
 * Checks of the local member's identity (name, address, tags) before it goes on the wire.
 * Private to the gossip module.
 *
 * @module
 */

import { formatGossipAddr } from "./member.ts";
import { encodedTagsBytes, MAX_NAME_CHARS, MAX_TAGS, MAX_TAGS_BYTES } from "./messages.ts";
import { SwimConfigError } from "./presets.ts";
import type { SwimSelf } from "./swim.ts";

/**
 * Checks the local identity.
 * @throws {SwimConfigError} naming what is wrong.
 */
export function validateSelf(self: SwimSelf): void {
  if (
    typeof self.name !== "string" || self.name.length === 0 || self.name.length > MAX_NAME_CHARS
  ) {
    throw new SwimConfigError(`Gossip member name must be 1 to ${MAX_NAME_CHARS} characters`);
  }
  const { hostname, port } = self.addr;
  if (
    typeof hostname !== "string" || hostname.length === 0 || !Number.isInteger(port) || port < 0 ||
    port > 65535
  ) {
    throw new SwimConfigError(
      `Gossip address ${formatGossipAddr(self.addr)} needs a host and a port from 0 to 65535`,
    );
  }
  validateTags(self.tags ?? {});
}

/**
 * Checks a tag set against the wire limits.
 * @throws {SwimConfigError} when it has too many tags or is too large.
 */
export function validateTags(tags: Readonly<Record<string, string>>): void {
  const entries = Object.entries(tags);
  if (entries.length > MAX_TAGS) {
    throw new SwimConfigError(`A member may carry at most ${MAX_TAGS} tags`);
  }
  for (const [key, value] of entries) {
    if (typeof value !== "string") throw new SwimConfigError(`Tag ${key} must have a string value`);
  }
  const bytes = encodedTagsBytes(tags);
  if (bytes > MAX_TAGS_BYTES) {
    throw new SwimConfigError(
      `Member tags take ${bytes} bytes encoded; at most ${MAX_TAGS_BYTES} are allowed`,
    );
  }
}
