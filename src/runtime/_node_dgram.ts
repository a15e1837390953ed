/**
 * The UDP part of the {@linkcode Net} port over `node:dgram`, shared by both adapters.
 *
 * @module
 */

import * as dgram from "node:dgram";
import { isIPv6 } from "node:net";
import { AsyncQueue } from "./async_queue.ts";
import type { Datagram, ListenOptions, NetAddr, UdpSocket } from "./ports.ts";

/** Datagrams received but not yet consumed; beyond this they are dropped, as UDP may. */
export const MAX_QUEUED_DATAGRAMS = 1024;

/** Binds a UDP socket on `options.hostname:options.port` (port 0 picks one). */
export async function bindNodeUdp(options: ListenOptions): Promise<UdpSocket> {
  const type = isIPv6(options.hostname) ? "udp6" : "udp4";
  const socket = dgram.createSocket({ type });
  const queue = new AsyncQueue<Datagram>(MAX_QUEUED_DATAGRAMS);
  await new Promise<void>((resolve, reject) => {
    const onError = (error: Error) => {
      socket.close();
      reject(
        new Error(
          `Could not bind UDP ${options.hostname}:${options.port}: ${error.message}`,
          { cause: error },
        ),
      );
    };
    socket.once("error", onError);
    socket.bind(options.port, options.hostname, () => {
      socket.off("error", onError);
      resolve();
    });
  });
  socket.on("message", (msg, rinfo) => {
    queue.push({
      data: new Uint8Array(msg.buffer, msg.byteOffset, msg.byteLength),
      from: { hostname: rinfo.address, port: rinfo.port },
    });
  });
  // Errors after bind (e.g. ICMP unreachable on some platforms) must not crash the process.
  socket.on("error", () => {});
  const bound = socket.address();
  const addr: NetAddr = { hostname: bound.address, port: bound.port };
  let closed = false;
  return {
    addr,
    send(data: Uint8Array, to: NetAddr): Promise<void> {
      return new Promise((resolve, reject) => {
        socket.send(data, to.port, to.hostname, (error) => {
          if (error) {
            reject(
              new Error(`Could not send UDP to ${to.hostname}:${to.port}: ${error.message}`, {
                cause: error,
              }),
            );
          } else resolve();
        });
      });
    },
    close(): Promise<void> {
      if (closed) return Promise.resolve();
      closed = true;
      queue.close();
      return new Promise((resolve) => socket.close(() => resolve()));
    },
    [Symbol.asyncIterator]: () => queue[Symbol.asyncIterator](),
  };
}
