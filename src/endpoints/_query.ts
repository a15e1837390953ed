/**
 * The shared shape of every read endpoint: check query options, run the read as a blocking
 * query, and build the reply from its value and meta.
 *
 * @module
 */

import type { Indexed, WatchSet } from "../state/mod.ts";
import { type Args, queryOptionsOf } from "./_args.ts";
import { blockingQuery } from "./blocking.ts";
import type { CallContext, EndpointDeps } from "./deps.ts";
import type { QueryMeta, QueryOptions } from "./types.ts";

/**
 * Runs `read` with the request's query options and shapes the answer with `reply`.
 * `read` gets the checked options too (for `Filter`).
 */
export async function runQuery<T, R>(
  deps: EndpointDeps,
  args: Args,
  context: CallContext,
  read: (ws: WatchSet | undefined, options: QueryOptions) => Indexed<T>,
  reply: (value: T, meta: QueryMeta) => R,
): Promise<R> {
  const options = queryOptionsOf(args);
  const { value, meta } = await blockingQuery(
    deps,
    options,
    (ws) => read(ws, options),
    context.signal,
  );
  return reply(value, meta);
}
