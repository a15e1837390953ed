// Helpers for tests that run RPC listeners on loopback sockets.
import type { Conn, Runtime } from "../../src/runtime/ports.ts";
import { currentRuntime } from "../../src/runtime/current.ts";
import { RpcRegistry } from "../../src/rpc/endpoints.ts";
import { RpcListener, type RpcListenerOptions } from "../../src/rpc/rpc_listener.ts";
import type { RpcTlsMaterial } from "../../src/rpc/rpc_tls.ts";

/** Longest a test waits for something that happens over loopback. */
export const WAIT_LIMIT_MS = 15_000;
/** Time given to each test that opens sockets. */
export const NET_TEST_TIMEOUT_MS = 60_000;

/** The runtime adapter, or null when this runtime has none (the tests are then skipped). */
export async function loadRuntime(): Promise<Runtime | null> {
  try {
    return await currentRuntime();
  } catch {
    return null;
  }
}

/** Polls `condition` every few milliseconds until it holds; fails naming `what` after a limit. */
export async function waitUntil(
  condition: () => boolean,
  what: string,
  limitMs = WAIT_LIMIT_MS,
): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > limitMs) throw new Error(`Timed out after ${limitMs} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Resolves once the peer closed `conn` (its readable ended or failed); rejects after a limit. */
export async function closedByPeer(conn: Conn, what: string): Promise<void> {
  const reader = conn.readable.getReader();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`Timed out after ${WAIT_LIMIT_MS} ms: ${what}`)),
      WAIT_LIMIT_MS,
    );
  });
  try {
    const drain = (async () => {
      for (;;) {
        const { done } = await reader.read();
        if (done) return;
      }
    })().catch(() => {});
    await Promise.race([drain, limit]);
  } finally {
    clearTimeout(timer);
    conn.close();
  }
}

/** A registry with `Status.Ping` answering `pong-<name>`. */
export function pingRegistry(name: string): RpcRegistry {
  const registry = new RpcRegistry();
  registry.register("Status.Ping", () => `pong-${name}`);
  return registry;
}

/** Starts a listener on 127.0.0.1 with a free port. */
export function startListener(
  runtime: Runtime,
  tls: RpcTlsMaterial,
  registry: RpcRegistry,
  options: Partial<RpcListenerOptions> = {},
): Promise<RpcListener> {
  return RpcListener.listen({
    net: runtime.net,
    clock: runtime.clock,
    hostname: "127.0.0.1",
    port: 0,
    tls,
    registry,
    ...options,
  });
}
