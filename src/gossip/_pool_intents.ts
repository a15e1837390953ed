/**
 * Pool-level messages that ride beside SWIM's own packets (serf's "intents"): today only
 * force-leave. They are packets whose first byte is 0xC1, a byte MessagePack never uses, so
 * they can never be confused with a SWIM packet (which always starts with a MessagePack array).
 * Private to the gossip module.
 *
 * @module
 */

import { decode, encode } from "@msgpack/msgpack";
import type { GossipAddr, GossipTarget } from "./member.ts";
import { MAX_NAME_CHARS } from "./messages.ts";
import type { GossipPacket, GossipStream, GossipTransport } from "./transport.ts";
import type { Conn } from "../runtime/ports.ts";

/** First byte of an intent packet. */
export const INTENT_MARKER = 0xc1;
/** Largest intent packet accepted. */
export const MAX_INTENT_BYTES = 1024;

/** "Treat failed member `node` (at most at `incarnation`) as left; with `prune`, forget it." */
export interface ForceLeaveIntent {
  readonly type: "force-leave";
  readonly node: string;
  readonly incarnation: number;
  readonly prune: boolean;
}

/** Encodes an intent packet. */
export function encodeIntent(intent: ForceLeaveIntent): Uint8Array {
  const body = encode(["force-leave", intent.node, intent.incarnation, intent.prune]);
  const out = new Uint8Array(1 + body.byteLength);
  out[0] = INTENT_MARKER;
  out.set(body, 1);
  return out;
}

/** Decodes an intent packet; `null` for anything malformed. */
export function decodeIntent(bytes: Uint8Array): ForceLeaveIntent | null {
  if (bytes[0] !== INTENT_MARKER || bytes.byteLength > MAX_INTENT_BYTES) return null;
  let value: unknown;
  try {
    value = decode(bytes.subarray(1), { maxArrayLength: 4, maxMapLength: 0, maxExtLength: 0 });
  } catch {
    return null;
  }
  if (!Array.isArray(value) || value.length !== 4 || value[0] !== "force-leave") return null;
  const [, node, incarnation, prune] = value;
  if (typeof node !== "string" || node.length === 0 || node.length > MAX_NAME_CHARS) return null;
  if (!Number.isInteger(incarnation) || incarnation < 0 || incarnation > 0xffff_ffff) return null;
  if (typeof prune !== "boolean") return null;
  return { type: "force-leave", node, incarnation, prune };
}

/** Splits intent packets off the packet flow; everything else passes through. */
export class IntentMux implements GossipTransport {
  readonly #inner: GossipTransport;
  readonly #onIntent: (intent: ForceLeaveIntent | null, from: GossipAddr) => void;

  /** Wraps `inner`; `onIntent` gets each intent packet (`null` when malformed). */
  constructor(
    inner: GossipTransport,
    onIntent: (intent: ForceLeaveIntent | null, from: GossipAddr) => void,
  ) {
    this.#inner = inner;
    this.#onIntent = onIntent;
  }

  /** The wrapped transport's address. */
  get localAddr(): GossipAddr {
    return this.#inner.localAddr;
  }

  /** Sends an intent packet. */
  sendIntent(to: GossipTarget, intent: ForceLeaveIntent): Promise<void> {
    return this.#inner.sendPacket(to, encodeIntent(intent));
  }

  /** Passes through. */
  sendPacket(to: GossipTarget, bytes: Uint8Array): Promise<void> {
    return this.#inner.sendPacket(to, bytes);
  }

  /** SWIM packets only; intents go to the handler. */
  async *packets(): AsyncIterable<GossipPacket> {
    for await (const packet of this.#inner.packets()) {
      if (packet.bytes[0] === INTENT_MARKER) {
        this.#onIntent(decodeIntent(packet.bytes), packet.from);
      } else yield packet;
    }
  }

  /** Passes through. */
  dialStream(to: GossipTarget, timeoutMs: number): Promise<Conn> {
    return this.#inner.dialStream(to, timeoutMs);
  }

  /** Passes through. */
  streams(): AsyncIterable<GossipStream> {
    return this.#inner.streams();
  }

  /** Closes the inner transport. */
  close(): Promise<void> {
    return this.#inner.close();
  }
}
