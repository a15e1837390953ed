/**
 * Consul's endpoint registration on Hono: each path has its allowed methods (others get 405
 * with an `Allow` header, OPTIONS gets the list), paths ending in "/" match as prefixes like
 * Go's ServeMux, and a handler's result becomes JSON, an empty 200 or its own Response.
 */

import type { Hono } from "hono";
import type { HandlerContext } from "./context.ts";
import { errorResponse, methodNotAllowed } from "./errors.ts";
import { ApiRequest } from "./request.ts";
import { jsonResponse } from "./respond.ts";

/** What a handler returns: a Response as is, `undefined` for an empty 200, else JSON. */
export type Handler = (ctx: HandlerContext) => unknown | Promise<unknown>;

/** One Consul endpoint. */
export interface Route {
  /** A path; one ending in "/" also matches everything below it. */
  readonly path: string;
  readonly methods: readonly string[];
  readonly handler: Handler;
}

/** Builds the per-request context. */
export type ContextFactory = (req: ApiRequest) => HandlerContext;

/** Runs a handler and turns its outcome into a response, as Consul's `wrap` does. */
async function serve(route: Route, raw: Request, makeContext: ContextFactory): Promise<Response> {
  let ctx: HandlerContext | undefined;
  try {
    const req = new ApiRequest(raw);
    if (req.method === "OPTIONS") {
      return new Response(null, {
        status: 200,
        headers: { Allow: ["OPTIONS", ...route.methods].join(",") },
      });
    }
    if (!route.methods.includes(req.method)) throw methodNotAllowed(req.method, route.methods);
    ctx = makeContext(req);
    const result = await route.handler(ctx);
    if (result instanceof Response) {
      ctx.applyHeaders(result.headers);
      return result;
    }
    const response = result === undefined
      ? new Response(null, { status: 200 })
      : jsonResponse(result, { pretty: ctx.pretty });
    ctx.applyHeaders(response.headers, true);
    return response;
  } catch (error) {
    return errorResponse(error, ctx?.headers);
  }
}

/**
 * Mounts `routes` on `app`. Exact paths are registered before prefixes and longer prefixes
 * before shorter ones, so `/v1/agent/service/register` wins over `/v1/agent/service/`.
 */
export function mountRoutes(app: Hono, routes: readonly Route[], makeContext: ContextFactory) {
  const ordered = [...routes].sort((a, b) => {
    const aPrefix = a.path.endsWith("/") ? 1 : 0;
    const bPrefix = b.path.endsWith("/") ? 1 : 0;
    return aPrefix - bPrefix || b.path.length - a.path.length;
  });
  for (const route of ordered) {
    if (route.path.endsWith("/")) {
      const bare = route.path.slice(0, -1);
      // Go's ServeMux redirects "/v1/kv" to "/v1/kv/".
      app.all(bare, (c) => {
        const url = new URL(c.req.url);
        url.pathname = route.path;
        return new Response(null, { status: 301, headers: { Location: url.toString() } });
      });
      app.all(`${route.path}*`, (c) => serve(route, c.req.raw, makeContext));
    } else {
      app.all(route.path, (c) => serve(route, c.req.raw, makeContext));
    }
  }
}
