/**
 * Yamux throughput against a raw in-memory connection, measured side by side in one run.
 *
 * Cases: one stream carrying everything, and 16 concurrent streams sharing one session; each
 * is compared with the same bytes over raw `connPair` connections (one pair, or 16 pairs).
 * Prints MiB/s and the yamux/raw ratio. Run: `deno run -A scripts/bench/yamux.ts` or
 * `bun scripts/bench/yamux.ts` (optional argument: MiB per case, default 64).
 *
 * @module
 */

import type { Clock, Conn } from "../../src/runtime/ports.ts";
import { connPair } from "../../src/runtime/streams.ts";
import { currentRuntime } from "../../src/runtime/current.ts";
import { YamuxSession } from "../../src/rpc/yamux_session.ts";

/** Size of each write, like a socket read-sized chunk. */
const CHUNK_BYTES = 64 * 1024;
/** Streams (and raw connections) in the concurrent case. */
const CONCURRENT_STREAMS = 16;
/** Runs per case; the best run is reported to damp scheduler noise. */
const RUNS_PER_CASE = 3;

async function pump(conn: Conn, totalBytes: number): Promise<void> {
  const chunk = new Uint8Array(CHUNK_BYTES).fill(0x5a);
  const writer = conn.writable.getWriter();
  for (let sent = 0; sent < totalBytes; sent += CHUNK_BYTES) await writer.write(chunk);
  await writer.close();
}

async function drain(readable: ReadableStream<Uint8Array>): Promise<number> {
  let received = 0;
  for await (const chunk of readable) received += chunk.byteLength;
  return received;
}

async function rawCase(streams: number, bytesPerStream: number): Promise<void> {
  await Promise.all(Array.from({ length: streams }, async () => {
    const [a, b] = connPair();
    const [, received] = await Promise.all([pump(a, bytesPerStream), drain(b.readable)]);
    if (received !== bytesPerStream) throw new Error(`raw pair lost bytes: ${received}`);
    a.close();
    b.close();
  }));
}

async function yamuxCase(clock: Clock, streams: number, bytesPerStream: number): Promise<void> {
  const [a, b] = connPair();
  const options = { clock, keepaliveIntervalMs: 0 };
  const client = new YamuxSession(a, { ...options, role: "client" });
  const server = new YamuxSession(b, { ...options, role: "server" });
  const receiving = (async () => {
    const all: Promise<number>[] = [];
    for (let i = 0; i < streams; i++) {
      const stream = await server.accept();
      if (!stream) throw new Error("session closed early");
      all.push(drain(stream.readable));
    }
    return await Promise.all(all);
  })();
  await Promise.all(Array.from({ length: streams }, () => pump(client.open(), bytesPerStream)));
  const received = await receiving;
  if (received.some((n) => n !== bytesPerStream)) throw new Error(`yamux lost bytes: ${received}`);
  client.close();
  await server.closed;
}

async function best(clock: Clock, run: () => Promise<void>): Promise<number> {
  let bestMs = Infinity;
  for (let i = 0; i < RUNS_PER_CASE; i++) {
    const start = clock.monotonicMs();
    await run();
    bestMs = Math.min(bestMs, clock.monotonicMs() - start);
  }
  return bestMs;
}

async function main(): Promise<void> {
  const runtime = await currentRuntime();
  const clock = runtime.clock;
  const mib = Number(runtime.process.args[0] ?? 64);
  const totalBytes = mib * 1024 * 1024;
  const rate = (ms: number) => (mib / (ms / 1000)).toFixed(0).padStart(6);
  const lines = [
    `yamux vs raw connPair on ${runtime.name}, ${mib} MiB per case, best of ${RUNS_PER_CASE}`,
  ];
  for (const streams of [1, CONCURRENT_STREAMS]) {
    const perStream = totalBytes / streams;
    const rawMs = await best(clock, () => rawCase(streams, perStream));
    const yamuxMs = await best(clock, () => yamuxCase(clock, streams, perStream));
    lines.push(
      `${String(streams).padStart(2)} stream(s): raw ${rate(rawMs)} MiB/s  yamux ${
        rate(yamuxMs)
      } MiB/s` +
        `  ratio yamux/raw ${(rawMs / yamuxMs).toFixed(2)}`,
    );
  }
  runtime.process.writeStdout(lines.join("\n") + "\n");
}

await main();
