/**
 * The built-in mesh gateway's decision logic: read the SNI and ALPN from a connection's TLS
 * ClientHello without decrypting it, decide from a route table whether the bytes go to a local
 * server, any local server, or another datacenter's gateway, and count what happened.
 *
 * This module is pure: it opens no sockets, reads no clock and draws randomness only from the
 * {@linkcode Random} port it is given. It is not the proxy that accepts connections and splices
 * bytes (that is `proxy.ts`, built on these pieces), nor the code that registers the gateway in
 * the catalog.
 *
 * @example
 * ```ts
 * const sniffer = new ClientHelloSniffer();
 * const hello = sniffer.push(firstRead);
 * if (hello.kind === "hello") {
 *   const decision = resolveRoute(table, hello.serverName, runtime.random);
 *   if (decision.kind === "reject") counters.rejected(decision.reason);
 *   else counters.connectionOpened(routeKey(decision));
 * }
 * ```
 *
 * @module
 */
export {
  type ClientHelloErrorReason,
  type ClientHelloResult,
  type HelloErrorResult,
  type HelloResult,
  MAX_CLIENT_HELLO_BYTES,
  MAX_RECORD_PAYLOAD_BYTES,
  type NeedMoreResult,
  parseClientHello,
} from "./client_hello.ts";
export { ClientHelloSniffer } from "./hello_sniffer.ts";
export {
  buildRouteTable,
  type GatewayEntry,
  type LocalServerEntry,
  type RemoteDcRoute,
  resolveRoute,
  type RouteDecision,
  type RouteRejectReason,
  type RouteTable,
  RouteTableConfigError,
  type RouteTableInput,
  type ServerRoute,
  type SkippedEntry,
} from "./route_table.ts";
export {
  type AcceptedRoute,
  GatewayCounters,
  type GatewayCountersSnapshot,
  MAX_REJECT_REASON_KEYS,
  MAX_ROUTE_COUNTER_KEYS,
  OVERFLOW_COUNTER_KEY,
  type RouteCounters,
  routeKey,
} from "./counters.ts";
export { type HostPort, parseHostPort } from "./host_port.ts";
export {
  isValidLabel,
  isValidServerName,
  MAX_LABEL_BYTES,
  MAX_SERVER_NAME_BYTES,
  normalizeServerName,
} from "./server_name.ts";
