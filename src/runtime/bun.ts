/**
 * The {@linkcode Runtime} for Bun: native `Bun.listen`/`Bun.connect` sockets, `Bun.serve`,
 * `node:process`, a native splice between its own TCP sockets, and the shared `node:` helpers for TLS, UDP, files and SQLite.
 *
 * Loads under Deno's type checker: Bun's API is declared locally and read from
 * `globalThis.Bun`, never from Bun's global types.
 *
 * @module
 */

import process from "node:process";
import { hostname } from "node:os";
import { type BunTcpApi, dialBunTcp, listenBunTcp } from "./_bun_tcp.ts";
import { spliceBun } from "./_bun_splice.ts";
import { createOsRandom, createSystemClock } from "./_clock.ts";
import { bindNodeUdp } from "./_node_dgram.ts";
import { createNodeFileSystem } from "./_node_fs.ts";
import { createNodeSqlite } from "./_node_sqlite.ts";
import { readNodeStdin } from "./_node_stdin.ts";
import {
  dialTlsOverTcp,
  listenTlsOverTcp,
  upgradeNodeClientTls,
  upgradeNodeServerTls,
} from "./_node_tls.ts";
import { runNodeCommand } from "./_run_command.ts";
import type { Http, HttpServer, Net, Process, Runtime } from "./ports.ts";

interface BunServer {
  readonly port: number;
  readonly hostname: string;
  requestIP(request: Request): { address: string; port: number } | null;
  stop(closeActiveConnections?: boolean): Promise<void> | void;
}

/** The part of the `Bun` global this adapter uses. */
interface BunApi extends BunTcpApi {
  serve(options: {
    hostname: string;
    port: number;
    development: boolean;
    /** Seconds a connection may sit idle; 0 disables the limit. */
    idleTimeout: number;
    tls?: { cert: string; key: string };
    fetch(request: Request, server: BunServer): Response | Promise<Response>;
  }): BunServer;
}

function bunGlobal(): BunApi {
  const bun = (globalThis as { Bun?: BunApi }).Bun;
  if (!bun) throw new Error("The Bun runtime adapter needs Bun; use createDenoRuntime on Deno");
  return bun;
}

function createBunNet(bun: BunApi): Net {
  return {
    listenTcp: (options) => listenBunTcp(bun, options),
    dialTcp: (options) => dialBunTcp(bun, options),
    listenTls: (options) => listenTlsOverTcp((o) => listenBunTcp(bun, o), options),
    dialTls: (options) => dialTlsOverTcp((o) => dialBunTcp(bun, o), options),
    upgradeServerTls: upgradeNodeServerTls,
    upgradeClientTls: upgradeNodeClientTls,
    bindUdp: bindNodeUdp,
    splice: spliceBun,
  };
}

function createBunHttp(bun: BunApi): Http {
  return {
    serve(options): Promise<HttpServer> {
      let server: BunServer;
      try {
        server = bun.serve({
          hostname: options.hostname,
          port: options.port,
          development: false,
          // Bun closes connections idle for 10 s by default; blocking queries wait up to 10 min.
          idleTimeout: 0,
          ...(options.tls ? { tls: { cert: options.tls.certPem, key: options.tls.keyPem } } : {}),
          fetch(request, bunServer) {
            const ip = bunServer.requestIP(request);
            const remoteAddr = { hostname: ip?.address ?? "", port: ip?.port ?? 0 };
            return options.handler(request, { remoteAddr });
          },
        });
      } catch (error) {
        const detail = error instanceof Error ? error.message : String(error);
        return Promise.reject(
          new Error(`Could not serve HTTP on ${options.hostname}:${options.port}: ${detail}`, {
            cause: error,
          }),
        );
      }
      return Promise.resolve({
        addr: { hostname: server.hostname, port: server.port },
        // false: let in-flight requests finish; the promise settles when they have.
        shutdown: async () => await server.stop(false),
      });
    },
  };
}

function createBunProcess(): Process {
  return {
    pid: process.pid,
    // Also right for `bun build --compile` binaries, whose argv is ["bun", "/$bunfs/…", …args].
    args: process.argv.slice(2),
    env: (name) => process.env[name],
    hostname: () => hostname(),
    cwd: () => process.cwd(),
    writeStdout: (text) => void process.stdout.write(text),
    writeStderr: (text) => void process.stderr.write(text),
    readStdin: readNodeStdin,
    onSignal(signal, handler) {
      process.on(signal, handler);
      return () => void process.off(signal, handler);
    },
    exit: (code) => process.exit(code),
    runCommand: runNodeCommand,
  };
}

/** Returns the {@linkcode Runtime} backed by Bun's APIs. */
export function createBunRuntime(): Runtime {
  const bun = bunGlobal();
  return {
    name: "bun",
    net: createBunNet(bun),
    fs: createNodeFileSystem(),
    sqlite: createNodeSqlite(),
    clock: createSystemClock(),
    random: createOsRandom(),
    http: createBunHttp(bun),
    process: createBunProcess(),
  };
}
