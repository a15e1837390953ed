/**
 * `/v1/internal/federation-state*`: each datacenter's mesh gateways as replicated through the
 * primary — what WAN federation via mesh gateways routes by. Internal in Consul too: the shape
 * may change between releases.
 *
 * @module
 */
import { escapePath, type HttpTransport } from "./_transport.ts";
import type { QueryOptions, QueryResult } from "./query.ts";
import type { FederationState, ServiceEntry } from "./types.ts";

/** Federation-state reads. Reach them through `client.federation`. */
export class FederationApi {
  readonly #transport: HttpTransport;

  /** Used by {@linkcode ConsulClient}; not meant to be built directly. */
  constructor(transport: HttpTransport) {
    this.#transport = transport;
  }

  /**
   * Every datacenter's federation state (`GET /v1/internal/federation-states`).
   *
   * @example
   * ```ts
   * const { value } = await client.federation.list();
   * for (const state of value) console.log(state.Datacenter, state.MeshGateways?.length ?? 0);
   * ```
   */
  async list(options: QueryOptions = {}): Promise<QueryResult<FederationState[]>> {
    const { value, meta } = await this.#transport.query<FederationState[]>({
      method: "GET",
      path: "/v1/internal/federation-states",
      options,
    });
    return { value: value ?? [], meta };
  }

  /**
   * One datacenter's federation state (`GET /v1/internal/federation-state/<dc>`); `null` when
   * that datacenter has none. `options.dc` picks the datacenter that answers.
   *
   * @example
   * ```ts
   * const { value } = await client.federation.get("dc2");
   * ```
   */
  async get(
    datacenter: string,
    options: QueryOptions = {},
  ): Promise<QueryResult<FederationState | null>> {
    const { value, meta } = await this.#transport.query<{ State: FederationState | null }>({
      method: "GET",
      path: `/v1/internal/federation-state/${escapePath(datacenter)}`,
      options,
    }, true);
    return { value: value?.State ?? null, meta };
  }

  /**
   * The mesh gateways of every datacenter that has any
   * (`GET /v1/internal/federation-states/mesh-gateways`).
   *
   * @example
   * ```ts
   * const { value } = await client.federation.meshGateways();
   * const dc2Gateways = value["dc2"] ?? [];
   * ```
   */
  async meshGateways(
    options: QueryOptions = {},
  ): Promise<QueryResult<Record<string, ServiceEntry[]>>> {
    const { value, meta } = await this.#transport.query<Record<string, ServiceEntry[]>>({
      method: "GET",
      path: "/v1/internal/federation-states/mesh-gateways",
      options,
    });
    return { value: value ?? {}, meta };
  }
}
