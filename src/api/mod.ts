/**
 * A typed client for Consul's `/v1` HTTP API — the agent, catalog, health, KV, status and
 * federation-state endpoints — over the web-standard `fetch`, for Consulate or Consul agents.
 * It reads `CONSUL_HTTP_ADDR` and `CONSUL_HTTP_TOKEN` through an environment function you
 * pass, sends the token as `X-Consul-Token`, supports `?dc=` per call and blocking queries
 * (`index`, `waitMs`), and returns `X-Consul-*` header metadata with every read.
 *
 * It is not an agent: it holds no state, retries nothing and caches nothing. Unix-socket
 * addresses and custom TLS trust (`CONSUL_CACERT`) are not supported; https uses the
 * runtime's default trust store.
 *
 * @example
 * ```ts
 * import { ConsulClient } from "@consulate/consulate";
 *
 * const client = new ConsulClient({ address: "127.0.0.1:8500", token: "secret" });
 * await client.kv.put("app/color", "blue");
 * const { value: pair, meta } = await client.kv.get("app/color");
 * // Wait up to 5 minutes for the key to change:
 * await client.kv.get("app/color", { index: meta.lastIndex, waitMs: 300_000 });
 * ```
 *
 * @module
 */
export { ConsulClient } from "./client.ts";
export {
  type ConsulClientOptions,
  DEFAULT_HTTP_ADDRESS,
  type EnvReader,
  resolveClientConfig,
  type ResolvedClientConfig,
} from "./config.ts";
export { ApiConfigError, ApiConnectionError, ApiError, ApiResponseError } from "./errors.ts";
export { MAX_RESPONSE_BODY_BYTES } from "./_transport.ts";
export type { QueryMeta, QueryOptions, QueryResult, WriteOptions } from "./query.ts";
export { AgentApi, type MembersOptions } from "./agent_api.ts";
export { CatalogApi, type CatalogServiceOptions } from "./catalog_api.ts";
export { HealthApi, type HealthServiceOptions, type HealthState } from "./health_api.ts";
export { KvApi, type KvDeleteOptions, type KvPutOptions } from "./kv_api.ts";
export { StatusApi } from "./status_api.ts";
export { FederationApi } from "./federation_api.ts";
export {
  type AgentMember,
  type AgentSelf,
  type AgentService,
  type AgentServiceCheck,
  type AgentServiceRegistration,
  type CatalogNode,
  type CatalogNodeEntry,
  type CatalogService,
  type FederationState,
  type HealthCheck,
  type KVPair,
  MEMBER_STATUS,
  type ServiceAddress,
  type ServiceEntry,
  type ServiceWeights,
} from "./types.ts";
export { ServiceDefinitionError, serviceRegistrationFromDefinition } from "./service_definition.ts";
