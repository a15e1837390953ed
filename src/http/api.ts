/** `createApi`: every `/v1` route on one Hono app. */

import { Hono } from "hono";
import { AGENT_READ_ROUTES } from "./agent_read.ts";
import { AGENT_WRITE_ROUTES } from "./agent_write.ts";
import { CATALOG_ROUTES } from "./catalog.ts";
import { HandlerContext } from "./context.ts";
import type { ApiDeps } from "./deps.ts";
import { EventBuffer } from "./event_buffer.ts";
import { EVENT_STATUS_ROUTES } from "./event_status.ts";
import { HEALTH_ROUTES } from "./health.ts";
import { KV_ROUTES } from "./kv.ts";
import { mountRoutes, type Route } from "./router.ts";
import { SESSION_ROUTES } from "./session.ts";
import { TXN_ROUTES } from "./txn.ts";
import { FEDERATION_STATE_ROUTES } from "./federation_states.ts";

/** Every route the API serves. */
export const API_ROUTES: readonly Route[] = [
  ...AGENT_READ_ROUTES,
  ...AGENT_WRITE_ROUTES,
  ...CATALOG_ROUTES,
  ...HEALTH_ROUTES,
  ...KV_ROUTES,
  ...TXN_ROUTES,
  ...SESSION_ROUTES,
  ...EVENT_STATUS_ROUTES,
  ...FEDERATION_STATE_ROUTES,
];

/**
 * Builds the Consul-compatible `/v1` API as a Hono app. It never listens: serve its `fetch`
 * (e.g. with `runtime.http.serve`) or call `app.request()` in tests.
 *
 * @example
 * ```ts
 * const app = createApi(deps);
 * const response = await app.request("/v1/kv/greeting", { method: "PUT", body: "hello" });
 * ```
 */
export function createApi(deps: ApiDeps): Hono {
  const app = new Hono();
  const events = deps.events ?? new EventBuffer(deps.random);
  mountRoutes(app, API_ROUTES, (req) => new HandlerContext(req, deps, events));
  // Consul's index page when no UI is configured.
  app.get(
    "/",
    () =>
      new Response("Consul Agent", { headers: { "Content-Type": "text/plain; charset=utf-8" } }),
  );
  app.notFound(() => new Response(null, { status: 404 }));
  app.onError((error) => {
    deps.log?.("error", "http handler failed", { error: error.message });
    return new Response(error.message, { status: 500 });
  });
  return app;
}
