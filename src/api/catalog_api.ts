/**
 * `/v1/catalog/*`: the datacenter-wide registry of nodes and services, read from the servers
 * (any datacenter with `dc`).
 *
 * @module
 */
import { escapePath, type HttpTransport } from "./_transport.ts";
import type { QueryOptions, QueryParams, QueryResult } from "./query.ts";
import type { CatalogNode, CatalogNodeEntry, CatalogService } from "./types.ts";

/** Options of {@linkcode CatalogApi.service}. */
export interface CatalogServiceOptions extends QueryOptions {
  /** Only instances carrying every one of these tags (`?tag=`, repeated). */
  readonly tags?: readonly string[];
}

/** Catalog reads. Reach them through `client.catalog`. */
export class CatalogApi {
  readonly #transport: HttpTransport;

  /** Used by {@linkcode ConsulClient}; not meant to be built directly. */
  constructor(transport: HttpTransport) {
    this.#transport = transport;
  }

  /**
   * Every datacenter the servers know, nearest first (`GET /v1/catalog/datacenters`).
   *
   * @example
   * ```ts
   * const dcs = await client.catalog.datacenters(); // ["dc1", "dc2"]
   * ```
   */
  async datacenters(options: Pick<QueryOptions, "token" | "signal"> = {}): Promise<string[]> {
    const { value } = await this.#transport.query<string[]>({
      method: "GET",
      path: "/v1/catalog/datacenters",
      options,
    });
    return value ?? [];
  }

  /**
   * The nodes of a datacenter (`GET /v1/catalog/nodes`).
   *
   * @example
   * ```ts
   * const { value: nodes, meta } = await client.catalog.nodes({ dc: "dc2" });
   * // Block until the node list changes, for at most a minute:
   * await client.catalog.nodes({ dc: "dc2", index: meta.lastIndex, waitMs: 60_000 });
   * ```
   */
  async nodes(options: QueryOptions = {}): Promise<QueryResult<CatalogNodeEntry[]>> {
    const { value, meta } = await this.#transport.query<CatalogNodeEntry[]>({
      method: "GET",
      path: "/v1/catalog/nodes",
      options,
    });
    return { value: value ?? [], meta };
  }

  /**
   * Service names with the union of their tags (`GET /v1/catalog/services`).
   *
   * @example
   * ```ts
   * const { value } = await client.catalog.services({ dc: "dc2" });
   * // { consul: [], web: ["v1"] }
   * ```
   */
  async services(options: QueryOptions = {}): Promise<QueryResult<Record<string, string[]>>> {
    const { value, meta } = await this.#transport.query<Record<string, string[]>>({
      method: "GET",
      path: "/v1/catalog/services",
      options,
    });
    return { value: value ?? {}, meta };
  }

  /**
   * The instances of one service with their nodes (`GET /v1/catalog/service/<name>`).
   *
   * @example
   * ```ts
   * const { value } = await client.catalog.service("web", { tags: ["v1"] });
   * for (const instance of value) console.log(instance.Node, instance.ServicePort);
   * ```
   */
  async service(
    name: string,
    options: CatalogServiceOptions = {},
  ): Promise<QueryResult<CatalogService[]>> {
    const params: QueryParams = (options.tags ?? []).map((tag) => ["tag", tag] as const);
    const { value, meta } = await this.#transport.query<CatalogService[]>({
      method: "GET",
      path: `/v1/catalog/service/${escapePath(name)}`,
      params,
      options,
    });
    return { value: value ?? [], meta };
  }

  /**
   * One node with its services (`GET /v1/catalog/node/<node>`); `null` when no such node.
   *
   * @example
   * ```ts
   * const { value } = await client.catalog.node("node-1");
   * if (value) console.log(Object.keys(value.Services ?? {}));
   * ```
   */
  async node(name: string, options: QueryOptions = {}): Promise<QueryResult<CatalogNode | null>> {
    return await this.#transport.query<CatalogNode>({
      method: "GET",
      path: `/v1/catalog/node/${escapePath(name)}`,
      options,
    }, true);
  }
}
