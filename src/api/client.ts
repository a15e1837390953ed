/**
 * `ConsulClient`: a typed client for Consul's `/v1` HTTP API over `fetch`, speaking to
 * Consulate or to Consul alike. Settings come from options, then Consul's environment
 * variables, as Consul's Go `api` package does.
 *
 * @module
 */
import { HttpTransport } from "./_transport.ts";
import { AgentApi } from "./agent_api.ts";
import { CatalogApi } from "./catalog_api.ts";
import {
  type ConsulClientOptions,
  resolveClientConfig,
  type ResolvedClientConfig,
} from "./config.ts";
import { FederationApi } from "./federation_api.ts";
import { HealthApi } from "./health_api.ts";
import { KvApi } from "./kv_api.ts";
import { StatusApi } from "./status_api.ts";

/**
 * A client for one agent address. Calls are grouped as in Consul's Go client: `agent`,
 * `catalog`, `health`, `kv`, `status`, and `federation` (federation states).
 *
 * Errors: {@linkcode ApiError} when the agent answers with an unexpected status (its `status`
 * and `body` say why), {@linkcode ApiConnectionError} when it cannot be reached,
 * {@linkcode ApiResponseError} when its answer cannot be read.
 *
 * @example
 * ```ts
 * // Address and token from CONSUL_HTTP_ADDR / CONSUL_HTTP_TOKEN, read through `env`:
 * const client = new ConsulClient({ env: (name) => runtime.process.env(name) });
 * await client.kv.put("greeting", "hello");
 * const { value } = await client.catalog.services({ dc: "dc2" });
 * ```
 */
export class ConsulClient {
  /** The settings in effect after defaults and the environment. */
  readonly config: ResolvedClientConfig;
  /** `/v1/agent/*`: the local agent. */
  readonly agent: AgentApi;
  /** `/v1/catalog/*`: nodes and services of a datacenter. */
  readonly catalog: CatalogApi;
  /** `/v1/health/*`: checks and healthy instances. */
  readonly health: HealthApi;
  /** `/v1/kv/*`: the key/value store. */
  readonly kv: KvApi;
  /** `/v1/status/*`: Raft leader and peers. */
  readonly status: StatusApi;
  /** `/v1/internal/federation-state*`: mesh gateways of every datacenter. */
  readonly federation: FederationApi;

  /**
   * Builds a client; nothing is sent until a call is made.
   *
   * @throws {ApiConfigError} for an address that cannot be used (see {@linkcode resolveClientConfig}).
   */
  constructor(options: ConsulClientOptions = {}) {
    this.config = resolveClientConfig(options);
    const transport = new HttpTransport(this.config, options.fetch);
    this.agent = new AgentApi(transport);
    this.catalog = new CatalogApi(transport);
    this.health = new HealthApi(transport);
    this.kv = new KvApi(transport);
    this.status = new StatusApi(transport);
    this.federation = new FederationApi(transport);
  }
}
