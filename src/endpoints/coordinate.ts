/**
 * The `Coordinate.*` read endpoints (Consul's `agent/consul/coordinate_endpoint.go`): every
 * node's network coordinate, or one node's. Updates arrive from the agents' batches, which
 * the server applies as `coordinate.batchUpdate` commands.
 *
 * @module
 */

import { argsOf, optStr, requireStr } from "./_args.ts";
import { runQuery } from "./_query.ts";
import { FILTER_FIELDS } from "./_shapes.ts";
import type { EndpointDeps, EndpointHandler } from "./deps.ts";
import { filterRows } from "./filter.ts";
import type { IndexedCoordinates } from "./types.ts";

/** The `Coordinate.*` handlers by method name. */
export function coordinateEndpoints(deps: EndpointDeps): Record<string, EndpointHandler> {
  return {
    "Coordinate.ListNodes": (body, context) => {
      const args = argsOf(body, "DCSpecificRequest");
      const keep = filterRows(optStr(args, "Filter"), FILTER_FIELDS.coordinate);
      return runQuery(
        deps,
        args,
        context,
        (ws) => deps.store.coordinates.list(ws),
        (rows, meta): IndexedCoordinates => ({ Coordinates: keep(rows), ...meta }),
      );
    },
    "Coordinate.Node": (body, context) => {
      const args = argsOf(body, "NodeSpecificRequest");
      const node = requireStr(args, "Node", "Must provide node");
      return runQuery(
        deps,
        args,
        context,
        (ws) => deps.store.coordinates.node(node, ws),
        (rows, meta): IndexedCoordinates => ({ Coordinates: rows, ...meta }),
      );
    },
  };
}
