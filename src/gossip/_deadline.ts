/**
 * A time limit on one promise, for the mesh-gateway transport's dials and writes. Private to the
 * gossip module.
 *
 * @module
 */

import type { Clock, Conn } from "../runtime/ports.ts";

/** Resolves like `work`, or rejects after `ms`; a connection arriving late is closed. */
export function withDeadline<T>(
  clock: Clock,
  ms: number,
  what: string,
  work: Promise<T>,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let late = false;
    const timer = clock.setTimer(ms, () => {
      late = true;
      reject(new Error(`The ${what} did not complete within ${ms} ms`));
    });
    work.then((value) => {
      timer.cancel();
      if (!late) return resolve(value);
      if (isConn(value)) value.close();
    }, (error) => {
      timer.cancel();
      if (!late) reject(error);
    });
  });
}

function isConn(value: unknown): value is Conn {
  return typeof value === "object" && value !== null &&
    typeof (value as { close?: unknown }).close === "function";
}
