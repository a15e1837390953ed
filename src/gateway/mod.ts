/**
 * The built-in mesh gateway (no Envoy): it reads the SNI and ALPN from each connection's TLS
 * ClientHello without decrypting it, decides from a route table — kept current from the local
 * agent's catalog and federation states by blocking queries — whether the bytes go to a local
 * server, any local server, or another datacenter's gateway, splices them with bounded buffers
 * and timeouts, registers itself in the catalog, and counts everything per route.
 *
 * The decision pieces (`client_hello.ts`, `route_table.ts`, `counters.ts`) are pure; the
 * proxy, route source, registration and admin listener do I/O only through runtime ports.
 * TLS is end to end between servers: the gateway never holds a key.
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

// The running gateway, built on the pure pieces above: these open sockets and talk to the agent.
export {
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_DRAIN_GRACE_MS,
  DEFAULT_HELLO_TIMEOUT_MS,
  DEFAULT_IDLE_TIMEOUT_MS,
  DEFAULT_MAX_CONNECTIONS,
  DEFAULT_PROXY_LIMITS,
  fallbackTargets,
  type GatewayLogger,
  GatewayProxy,
  type GatewayProxyOptions,
  type ProxyLimits,
  type ProxyRejectReason,
  type ProxyStats,
  SILENT_LOGGER,
} from "./proxy.ts";
export {
  backoffMs,
  CONSUL_SERVICE_NAME,
  DEFAULT_BLOCKING_WAIT_MS,
  gatewayEntries,
  INITIAL_BACKOFF_MS,
  MAX_BACKOFF_MS,
  MIN_UNCHANGED_POLL_INTERVAL_MS,
  RouteSource,
  RouteSourceError,
  type RouteSourceOptions,
  serverEntries,
} from "./route_source.ts";
export {
  buildGatewayRegistration,
  DEFAULT_DEREGISTER_CRITICAL_AFTER,
  DEFAULT_GATEWAY_SERVICE_NAME,
  GATEWAY_CHECK_INTERVAL,
  GatewayRegistration,
  type GatewayRegistrationInput,
  MESH_GATEWAY_KIND,
  WAN_FEDERATION_META_KEY,
} from "./registration.ts";
export {
  type AdminSources,
  DEFAULT_ADMIN_BIND,
  type GatewayStats,
  handleAdminRequest,
  type RouteTableSummary,
  startAdminServer,
  summarizeRouteTable,
} from "./admin.ts";
export {
  GatewayStartError,
  type MeshGateway,
  type MeshGatewayOptions,
  startMeshGateway,
} from "./gateway.ts";
