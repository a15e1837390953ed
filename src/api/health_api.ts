/**
 * `/v1/health/*`: health checks and the instances of a service with their checks, read from
 * the servers.
 *
 * @module
 */
import { escapePath, type HttpTransport } from "./_transport.ts";
import type { QueryOptions, QueryParams, QueryResult } from "./query.ts";
import type { HealthCheck, ServiceEntry } from "./types.ts";

/** Options of {@linkcode HealthApi.service}. */
export interface HealthServiceOptions extends QueryOptions {
  /** Only instances whose every check passes (`?passing=1`). */
  readonly passing?: boolean;
  /** Only instances carrying every one of these tags (`?tag=`, repeated). */
  readonly tags?: readonly string[];
}

/** The check states `state()` accepts; `any` lists every check. */
export type HealthState = "any" | "passing" | "warning" | "critical";

/** Health reads. Reach them through `client.health`. */
export class HealthApi {
  readonly #transport: HttpTransport;

  /** Used by {@linkcode ConsulClient}; not meant to be built directly. */
  constructor(transport: HttpTransport) {
    this.#transport = transport;
  }

  /**
   * The instances of a service, each with its node and checks (`GET /v1/health/service/<name>`).
   *
   * @example
   * ```ts
   * const { value } = await client.health.service("web", { passing: true });
   * const addresses = value.map((e) => `${e.Service.Address || e.Node.Address}:${e.Service.Port}`);
   * ```
   */
  async service(
    name: string,
    options: HealthServiceOptions = {},
  ): Promise<QueryResult<ServiceEntry[]>> {
    const params: QueryParams = (options.tags ?? []).map((tag) => ["tag", tag] as const);
    if (options.passing) params.push(["passing", "1"]);
    return await this.#list<ServiceEntry>(
      `/v1/health/service/${escapePath(name)}`,
      options,
      params,
    );
  }

  /**
   * The checks of every instance of a service (`GET /v1/health/checks/<service>`).
   *
   * @example
   * ```ts
   * const { value } = await client.health.checks("web");
   * ```
   */
  checks(service: string, options: QueryOptions = {}): Promise<QueryResult<HealthCheck[]>> {
    return this.#list<HealthCheck>(`/v1/health/checks/${escapePath(service)}`, options);
  }

  /**
   * The checks of one node (`GET /v1/health/node/<node>`).
   *
   * @example
   * ```ts
   * const { value } = await client.health.node("node-1");
   * ```
   */
  node(node: string, options: QueryOptions = {}): Promise<QueryResult<HealthCheck[]>> {
    return this.#list<HealthCheck>(`/v1/health/node/${escapePath(node)}`, options);
  }

  /**
   * Every check in a state (`GET /v1/health/state/<state>`).
   *
   * @example
   * ```ts
   * const { value: failing } = await client.health.state("critical");
   * ```
   */
  state(state: HealthState, options: QueryOptions = {}): Promise<QueryResult<HealthCheck[]>> {
    return this.#list<HealthCheck>(`/v1/health/state/${escapePath(state)}`, options);
  }

  async #list<T>(
    path: string,
    options: QueryOptions,
    params: QueryParams = [],
  ): Promise<QueryResult<T[]>> {
    const { value, meta } = await this.#transport.query<T[]>({
      method: "GET",
      path,
      params,
      options,
    });
    return { value: value ?? [], meta };
  }
}
