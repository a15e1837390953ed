/**
 * Real TLS endpoints for the gateway tests: a CA, stand-in servers (and a stand-in remote
 * gateway) that require client certificates and announce who they are, and a client that
 * dials through the gateway with a chosen SNI and verifies the server's name.
 */
import { createCa, createLeafCert } from "../../src/tls/mod.ts";
import type { Conn, Listener, NetAddr, Runtime, TlsConn } from "../../src/runtime/ports.ts";

/** PEM material of one endpoint. */
export interface Material {
  readonly caPem: string;
  readonly certPem: string;
  readonly keyPem: string;
}

/** Certificates issued once per test file. */
export interface GatewayPki {
  readonly server: (node: string, dc: string) => Promise<Material>;
  readonly client: Material;
}

/** Issues a CA and a client certificate; server certificates on demand. */
export async function issueGatewayPki(runtime: Runtime): Promise<GatewayPki> {
  const { clock, random } = runtime;
  const ca = await createCa({ domain: "consul", clock, random });
  const leaf = async (kind: "server" | "client", dc: string, node?: string) => {
    const cert = await createLeafCert({
      kind,
      dc,
      node,
      domain: "consul",
      caCertPem: ca.certPem,
      caKeyPem: ca.keyPem,
      clock,
      random,
    });
    return { caPem: ca.certPem, certPem: cert.certPem, keyPem: cert.keyPem };
  };
  return { server: (node, dc) => leaf("server", dc, node), client: await leaf("client", "dc1") };
}

/** A TLS server that greets with `<name> <sni>\n` and then echoes until the client half-closes. */
export class TlsPeer {
  readonly name: string;
  readonly #listener: Listener<TlsConn>;
  readonly #conns = new Set<Conn>();
  accepted = 0;

  private constructor(name: string, listener: Listener<TlsConn>) {
    this.name = name;
    this.#listener = listener;
    void this.#accept();
  }

  static async start(runtime: Runtime, name: string, material: Material): Promise<TlsPeer> {
    const listener = await runtime.net.listenTls({
      hostname: "127.0.0.1",
      port: 0,
      ...material,
      requireClientCert: true,
    });
    return new TlsPeer(name, listener);
  }

  get addr(): NetAddr {
    return this.#listener.addr;
  }

  /** `127.0.0.1:<port>`. */
  get hostPort(): string {
    return `127.0.0.1:${this.addr.port}`;
  }

  async stop(): Promise<void> {
    await this.#listener.close();
    for (const conn of this.#conns) conn.close();
  }

  async #accept(): Promise<void> {
    try {
      for await (const conn of this.#listener) {
        this.accepted++;
        this.#conns.add(conn);
        void this.#serve(conn).finally(() => this.#conns.delete(conn));
      }
    } catch {
      // Listener closed.
    }
  }

  async #serve(conn: TlsConn): Promise<void> {
    const writer = conn.writable.getWriter();
    try {
      await writer.write(new TextEncoder().encode(`${this.name} ${conn.serverName}\n`));
      for await (const chunk of conn.readable) await writer.write(chunk);
      await writer.close();
    } catch {
      conn.close();
    }
  }
}

/** Dials `gateway` over TCP and runs a verifying mutual-TLS handshake with SNI `serverName`. */
export function dialThrough(
  runtime: Runtime,
  gateway: NetAddr,
  serverName: string,
  client: Material,
): Promise<TlsConn> {
  return runtime.net.dialTls({
    hostname: gateway.hostname,
    port: gateway.port,
    ...client,
    serverName,
    alpnProtocols: ["consul/rpc-multi"],
    handshakeTimeoutMs: 5_000,
  });
}

/** Reads one `\n`-terminated line (without the newline). */
export async function readLine(conn: Conn): Promise<string> {
  const reader = conn.readable.getReader();
  let text = "";
  try {
    while (!text.includes("\n")) {
      const { done, value } = await reader.read();
      if (done) throw new Error(`Connection ended before a full line; got ${JSON.stringify(text)}`);
      text += new TextDecoder().decode(value);
    }
  } finally {
    reader.releaseLock();
  }
  return text.slice(0, text.indexOf("\n"));
}

/** Resolves when `conn`'s readable ends (the far end closed), or rejects after `ms`. */
export async function endsWithin(runtime: Runtime, conn: Conn, ms: number): Promise<void> {
  const reader = conn.readable.getReader();
  const drain = (async () => {
    try {
      for (;;) if ((await reader.read()).done) return;
    } catch {
      // Reset by the peer counts as closed.
    }
  })();
  await within(runtime, drain, ms, "connection was not closed by the gateway");
}

/** Awaits `promise`, failing with `message` after `ms`. */
export async function within<T>(
  runtime: Runtime,
  promise: Promise<T>,
  ms: number,
  message: string,
): Promise<T> {
  let timer: { cancel(): void } | null = null;
  const timeout = new Promise<never>((_, reject) => {
    timer = runtime.clock.setTimer(ms, () => reject(new Error(`${message} within ${ms} ms`)));
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    (timer as { cancel(): void } | null)?.cancel();
  }
}

/** Polls `condition` every 10 ms until it holds, failing with `message` after `ms`. */
export async function eventually(
  runtime: Runtime,
  condition: () => boolean,
  ms: number,
  message: string,
): Promise<void> {
  const deadline = runtime.clock.monotonicMs() + ms;
  while (!condition()) {
    if (runtime.clock.monotonicMs() > deadline) throw new Error(`${message} within ${ms} ms`);
    await runtime.clock.sleep(10);
  }
}

/** Opens a plain TCP connection to the gateway and sends `bytes` (nothing when empty). */
export async function rawDial(
  runtime: Runtime,
  gateway: NetAddr,
  bytes: Uint8Array,
): Promise<Conn> {
  const conn = await runtime.net.dialTcp({ hostname: "127.0.0.1", port: gateway.port });
  if (bytes.byteLength > 0) {
    const writer = conn.writable.getWriter();
    await writer.write(bytes);
    writer.releaseLock();
  }
  return conn;
}
