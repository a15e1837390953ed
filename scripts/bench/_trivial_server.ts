/**
 * The baseline for `catalog_read.ts`: a one-route Hono app served through the same runtime
 * adapter (`runtime.http.serve`) the agent uses, so the ratio isolates what Consulate's handlers
 * cost on top of the runtime's HTTP stack and Hono.
 *
 * Run: `deno run -A scripts/bench/_trivial_server.ts <port>` or
 * `bun scripts/bench/_trivial_server.ts <port>`. Prints one `listening <port>` line when ready
 * and runs until SIGINT or SIGTERM. Not a benchmark by itself.
 *
 * @module
 */

import { Hono } from "hono";
import { currentRuntime } from "../../src/runtime/current.ts";

/** Builds the trivial app: `GET /json` answers `{"hello":"world"}`. */
export function createTrivialApp(): Hono {
  const app = new Hono();
  app.get("/json", (c) => c.json({ hello: "world" }));
  return app;
}

async function main(): Promise<void> {
  const runtime = await currentRuntime();
  const port = Number(runtime.process.args[0] ?? "0");
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    runtime.process.writeStderr(
      `Port must be an integer 0-65535, got "${runtime.process.args[0]}"\n`,
    );
    runtime.process.exit(2);
  }
  const app = createTrivialApp();
  const server = await runtime.http.serve({
    hostname: "127.0.0.1",
    port,
    handler: (request) => app.fetch(request),
  });
  runtime.process.writeStdout(`listening ${server.addr.port}\n`);
  const { promise: stopped, resolve: stop } = Promise.withResolvers<void>();
  runtime.process.onSignal("SIGTERM", stop);
  runtime.process.onSignal("SIGINT", stop);
  await stopped;
  await server.shutdown();
  runtime.process.exit(0);
}

if (import.meta.main) await main();
