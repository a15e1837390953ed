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
import { readNodeStdin } from "./_node_stdin.ts";
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
  SpliceOptions,
  SpliceResult,
} from "./ports.ts";
import { pipeBoth, spliceDirections } from "./streams.ts";

/** Bytes asked of the kernel per socket read. */
export const DENO_READ_CHUNK_BYTES = 64 * 1024;

function netAddr(addr: Deno.Addr): NetAddr {
  return "hostname" in addr ? { hostname: addr.hostname, port: addr.port } : {
    hostname: "",
    port: 0,
  };
}

/** Bytes of the one buffer each direction of a native splice reads into and writes from. */
export const DENO_SPLICE_BUFFER_BYTES = 64 * 1024;

/** What a native splice needs of a Conn made by {@linkcode denoConn}. */
interface DenoNativeTcp {
  readonly tcp: Deno.TcpConn;
  /** True while nothing has used the Conn's streams in a way a native copy would miss. */
  canSplice(): boolean;
  /** Whether `close()` was called: read/write failures after it are not errors. */
  closedLocally(): boolean;
  close(): void;
}

/** Deno TCP Conns made here, so `splice` can recognise them and reach the socket. */
const NATIVE_TCP = new WeakMap<Conn, DenoNativeTcp>();

/** Adapts a Deno TCP connection to the port's Conn with explicit half-close. */
function denoConn(conn: Deno.TcpConn): Conn {
  let closedLocally = false;
  let readDone = false;
  let writeDone = false;
  let pulling = false;
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
  // highWaterMark 0: read only when asked, so no chunk sits in the queue where a native splice
  // taking over the socket would miss it.
  const readable = new ReadableStream<Uint8Array>({
    async pull(controller) {
      let n: number | null;
      pulling = true;
      try {
        n = await conn.read(scratch);
      } catch (error) {
        readDone = true;
        if (closedLocally) controller.close();
        else controller.error(error);
        settle();
        return;
      } finally {
        pulling = false;
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
  }, { highWaterMark: 0 });
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
  const adapted: Conn = {
    readable,
    writable,
    localAddr: netAddr(conn.localAddr),
    remoteAddr: remote,
    close: closeResource,
    closed,
  };
  NATIVE_TCP.set(adapted, {
    tcp: conn,
    canSplice: () =>
      !closedLocally && !readDone && !writeDone && !pulling && !readable.locked &&
      !writable.locked,
    closedLocally: () => closedLocally,
    close: closeResource,
  });
  return adapted;
}

/**
 * Splices two Conns; between two untouched Deno TCP Conns it reads into one reused buffer
 * per direction and writes it straight out, skipping web streams (the gateway's hot path).
 */
function spliceDeno(a: Conn, b: Conn, options: SpliceOptions = {}): Promise<SpliceResult> {
  const nativeA = NATIVE_TCP.get(a);
  const nativeB = NATIVE_TCP.get(b);
  if (!nativeA?.canSplice() || !nativeB?.canSplice()) return pipeBoth(a, b, options);
  // Hold the stream locks so nothing else reads or writes behind the native copy.
  a.readable.getReader();
  a.writable.getWriter();
  b.readable.getReader();
  b.writable.getWriter();
  return spliceNative(nativeA, nativeB, options);
}

function spliceNative(
  a: DenoNativeTcp,
  b: DenoNativeTcp,
  options: SpliceOptions,
): Promise<SpliceResult> {
  return spliceDirections({
    aToB: (count) => copyNative(a.tcp, b.tcp, count),
    bToA: (count) => copyNative(b.tcp, a.tcp, count),
    closeBoth: () => {
      a.close();
      b.close();
    },
    // A failure caused by close() (idle timeout, shutdown) is the end, not an error.
    closedLocally: () => a.closedLocally() || b.closedLocally(),
  }, options);
}

/** Copies `from` to `to` until `from` ends, then half-closes `to`. */
async function copyNative(
  from: Deno.TcpConn,
  to: Deno.TcpConn,
  count: (n: number) => void,
): Promise<void> {
  const buffer = new Uint8Array(DENO_SPLICE_BUFFER_BYTES);
  for (;;) {
    const n = await from.read(buffer);
    if (n === null) break;
    let offset = 0;
    while (offset < n) offset += await to.write(buffer.subarray(offset, n));
    count(n);
  }
  await to.closeWrite();
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
    splice: spliceDeno,
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
    readStdin: readNodeStdin,
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
