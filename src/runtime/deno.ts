/**
 * The {@linkcode Runtime} for Deno: native `Deno.listen`/`Deno.connect` sockets (read,
 * write, closeWrite), `Deno.serve`, Deno's process APIs, and the shared `node:` helpers for
 * TLS, UDP, files and SQLite.
 *
 * @module
 */

import { createOsRandom, createSystemClock } from "./_clock.ts";
import { bindNodeUdp } from "./_node_dgram.ts";
import { createNodeFileSystem } from "./_node_fs.ts";
import { createNodeSqlite } from "./_node_sqlite.ts";
import {
  DEFAULT_DIAL_TIMEOUT_MS,
  dialTlsOverTcp,
  listenTlsOverTcp,
  upgradeNodeClientTls,
  upgradeNodeServerTls,
} from "./_node_tls.ts";
import { runNodeCommand } from "./_run_command.ts";
import type {
  Conn,
  DialOptions,
  Http,
  HttpServer,
  Listener,
  ListenOptions,
  Net,
  NetAddr,
  Process,
  Runtime,
} from "./ports.ts";

/** Bytes asked of the kernel per socket read. */
export const DENO_READ_CHUNK_BYTES = 64 * 1024;

function netAddr(addr: Deno.Addr): NetAddr {
  return "hostname" in addr ? { hostname: addr.hostname, port: addr.port } : {
    hostname: "",
    port: 0,
  };
}

/** Adapts a Deno TCP connection to the port's Conn with explicit half-close. */
function denoConn(conn: Deno.TcpConn): Conn {
  let closedLocally = false;
  let readDone = false;
  let writeDone = false;
  let resolveClosed!: () => void;
  const closed = new Promise<void>((resolve) => resolveClosed = resolve);
  const closeResource = () => {
    if (closedLocally) return;
    closedLocally = true;
    try {
      conn.close();
    } catch {
      // Already gone; close() is idempotent by contract.
    }
    resolveClosed();
  };
  const settle = () => {
    if (readDone && writeDone) closeResource();
  };
  const remote = netAddr(conn.remoteAddr);
  const scratch = new Uint8Array(DENO_READ_CHUNK_BYTES);
  const readable = new ReadableStream<Uint8Array>({
    async pull(controller) {
      let n: number | null;
      try {
        n = await conn.read(scratch);
      } catch (error) {
        readDone = true;
        if (closedLocally) controller.close();
        else controller.error(error);
        settle();
        return;
      }
      if (n === null) {
        readDone = true;
        controller.close();
        settle();
        return;
      }
      // One scratch buffer per connection; each chunk is a copy of exactly what was read, so
      // a read costs n bytes instead of a fresh zeroed 64 KiB buffer (a gateway hot spot).
      controller.enqueue(scratch.slice(0, n));
    },
    cancel() {
      readDone = true;
      settle();
    },
  });
  const writable = new WritableStream<Uint8Array>({
    async write(chunk) {
      if (closedLocally) {
        throw new Error(`Write to ${remote.hostname}:${remote.port} failed: connection is closed`);
      }
      let offset = 0;
      while (offset < chunk.byteLength) offset += await conn.write(chunk.subarray(offset));
    },
    async close() {
      writeDone = true;
      if (!closedLocally) await conn.closeWrite().catch(() => {});
      settle();
    },
    abort() {
      writeDone = true;
      closeResource();
    },
  });
  return {
    readable,
    writable,
    localAddr: netAddr(conn.localAddr),
    remoteAddr: remote,
    close: closeResource,
    closed,
  };
}

function listenTcp(options: ListenOptions): Promise<Listener> {
  let listener: Deno.TcpListener;
  try {
    listener = Deno.listen({ hostname: options.hostname, port: options.port, transport: "tcp" });
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new Error(`Could not listen on ${options.hostname}:${options.port}: ${detail}`, {
      cause: error,
    });
  }
  let closed = false;
  const next = async (): Promise<IteratorResult<Conn>> => {
    try {
      const conn = await listener.accept();
      // Nagle on accepted sockets delayed small RPC replies by ~40 ms (measured: cross-DC
      // reads through two gateways went from p50 44 ms to 2 ms); dialed sockets set it too.
      conn.setNoDelay(true);
      return { value: denoConn(conn), done: false };
    } catch (error) {
      if (closed) return { value: undefined, done: true };
      throw error;
    }
  };
  return Promise.resolve({
    addr: netAddr(listener.addr),
    close() {
      if (!closed) {
        closed = true;
        listener.close();
      }
      return Promise.resolve();
    },
    [Symbol.asyncIterator]: () => ({ next }),
  });
}

async function dialTcp(options: DialOptions): Promise<Conn> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_DIAL_TIMEOUT_MS;
  const target = `${options.hostname}:${options.port}`;
  const attempt = Deno.connect({ hostname: options.hostname, port: options.port });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      attempt.then((late) => late.close(), () => {});
      reject(new Error(`Could not connect to ${target}: no answer within ${timeoutMs} ms`));
    }, timeoutMs);
  });
  try {
    const conn = await Promise.race([attempt, deadline]);
    conn.setNoDelay(true);
    return denoConn(conn);
  } catch (error) {
    if (error instanceof Error && error.message.startsWith("Could not connect")) throw error;
    const detail = error instanceof Error ? error.message : String(error);
    throw new Error(`Could not connect to ${target}: ${detail}`, { cause: error });
  } finally {
    clearTimeout(timer);
  }
}

function createDenoNet(): Net {
  return {
    listenTcp,
    dialTcp,
    listenTls: (options) => listenTlsOverTcp(listenTcp, options),
    dialTls: (options) => dialTlsOverTcp(dialTcp, options),
    upgradeServerTls: upgradeNodeServerTls,
    upgradeClientTls: upgradeNodeClientTls,
    bindUdp: bindNodeUdp,
  };
}

function createDenoHttp(): Http {
  return {
    serve(options): Promise<HttpServer> {
      return new Promise<HttpServer>((resolve, reject) => {
        try {
          const server = Deno.serve({
            hostname: options.hostname,
            port: options.port,
            ...(options.tls ? { cert: options.tls.certPem, key: options.tls.keyPem } : {}),
            onListen: () => {},
            handler: (request, info) =>
              options.handler(request, { remoteAddr: netAddr(info.remoteAddr) }),
          });
          resolve({ addr: netAddr(server.addr), shutdown: () => server.shutdown() });
        } catch (error) {
          const detail = error instanceof Error ? error.message : String(error);
          reject(
            new Error(`Could not serve HTTP on ${options.hostname}:${options.port}: ${detail}`, {
              cause: error,
            }),
          );
        }
      });
    },
  };
}

function writeAllSync(target: { writeSync(p: Uint8Array): number }, text: string): void {
  const bytes = new TextEncoder().encode(text);
  let offset = 0;
  while (offset < bytes.byteLength) offset += target.writeSync(bytes.subarray(offset));
}

function createDenoProcess(): Process {
  return {
    pid: Deno.pid,
    args: [...Deno.args],
    env(name: string): string | undefined {
      try {
        return Deno.env.get(name);
      } catch {
        return undefined; // No --allow-env: treat as unset.
      }
    },
    hostname: () => Deno.hostname(),
    cwd: () => Deno.cwd(),
    writeStdout: (text) => writeAllSync(Deno.stdout, text),
    writeStderr: (text) => writeAllSync(Deno.stderr, text),
    onSignal(signal, handler) {
      Deno.addSignalListener(signal, handler);
      return () => Deno.removeSignalListener(signal, handler);
    },
    exit: (code) => Deno.exit(code),
    runCommand: runNodeCommand,
  };
}

/** Returns the {@linkcode Runtime} backed by Deno's APIs. */
export function createDenoRuntime(): Runtime {
  return {
    name: "deno",
    net: createDenoNet(),
    fs: createNodeFileSystem(),
    sqlite: createNodeSqlite(),
    clock: createSystemClock(),
    random: createOsRandom(),
    http: createDenoHttp(),
    process: createDenoProcess(),
  };
}
