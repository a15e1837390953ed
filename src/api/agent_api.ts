/**
 * `/v1/agent/*`: the local agent's own view — its configuration, gossip members, local
 * services and checks, maintenance mode, and the join / force-leave / leave operations.
 *
 * @module
 */
import { escapePath, type HttpTransport } from "./_transport.ts";
import type { QueryParams, WriteOptions } from "./query.ts";
import type {
  AgentMember,
  AgentSelf,
  AgentService,
  AgentServiceRegistration,
  HealthCheck,
} from "./types.ts";

/** Options of {@linkcode AgentApi.members}. */
export interface MembersOptions extends WriteOptions {
  /** List the WAN pool (servers of every datacenter) instead of the LAN pool. */
  readonly wan?: boolean;
  /** A Consul filter expression. */
  readonly filter?: string;
}

/** Calls on the local agent. Reach it through `client.agent`. */
export class AgentApi {
  readonly #transport: HttpTransport;

  /** Used by {@linkcode ConsulClient}; not meant to be built directly. */
  constructor(transport: HttpTransport) {
    this.#transport = transport;
  }

  /**
   * The agent's configuration, member record and statistics (`GET /v1/agent/self`).
   *
   * @throws {ApiError} on a non-200 answer (403 without `agent:read`).
   * @example
   * ```ts
   * const self = await client.agent.self();
   * console.log(self.Config.Datacenter, self.Config.NodeName);
   * ```
   */
  async self(options: WriteOptions = {}): Promise<AgentSelf> {
    const value = await this.#transport.query<AgentSelf>({
      method: "GET",
      path: "/v1/agent/self",
      options: { token: options.token, signal: options.signal },
    });
    return value.value as AgentSelf;
  }

  /**
   * The members of the agent's LAN pool, or of the WAN pool with `wan: true`
   * (`GET /v1/agent/members[?wan=1]`).
   *
   * @example
   * ```ts
   * const servers = await client.agent.members({ wan: true });
   * const alive = servers.filter((member) => member.Status === MEMBER_STATUS.alive);
   * ```
   */
  async members(options: MembersOptions = {}): Promise<AgentMember[]> {
    const params: QueryParams = [];
    if (options.wan) params.push(["wan", "1"]);
    if (options.filter) params.push(["filter", options.filter]);
    const { value } = await this.#transport.query<AgentMember[]>({
      method: "GET",
      path: "/v1/agent/members",
      params,
      options: { token: options.token, signal: options.signal },
    });
    return value ?? [];
  }

  /**
   * The services registered on this agent, by service ID (`GET /v1/agent/services`).
   *
   * @example
   * ```ts
   * const services = await client.agent.services();
   * for (const [id, service] of Object.entries(services)) console.log(id, service.Port);
   * ```
   */
  async services(
    options: WriteOptions & { readonly filter?: string } = {},
  ): Promise<Record<string, AgentService>> {
    const { value } = await this.#transport.query<Record<string, AgentService>>({
      method: "GET",
      path: "/v1/agent/services",
      params: options.filter ? [["filter", options.filter]] : [],
      options: { token: options.token, signal: options.signal },
    });
    return value ?? {};
  }

  /**
   * The checks registered on this agent, by check ID (`GET /v1/agent/checks`).
   *
   * @example
   * ```ts
   * const checks = await client.agent.checks();
   * const inMaintenance = "_node_maintenance" in checks;
   * ```
   */
  async checks(
    options: WriteOptions & { readonly filter?: string } = {},
  ): Promise<Record<string, HealthCheck>> {
    const { value } = await this.#transport.query<Record<string, HealthCheck>>({
      method: "GET",
      path: "/v1/agent/checks",
      params: options.filter ? [["filter", options.filter]] : [],
      options: { token: options.token, signal: options.signal },
    });
    return value ?? {};
  }

  /**
   * Turns maintenance mode on or off for one service instance, or for the whole node when
   * `serviceId` is null (`PUT /v1/agent/service/maintenance/<id>` or
   * `PUT /v1/agent/maintenance`, with `enable` and `reason`). In maintenance, a critical
   * check takes the instance (or every instance on the node) out of DNS and health queries.
   *
   * @throws {ApiError} 404 for an unknown service ID.
   * @example
   * ```ts
   * await client.agent.maintenance("web-1", true, "rolling deploy");
   * await client.agent.maintenance(null, false);
   * ```
   */
  async maintenance(
    serviceId: string | null,
    enable: boolean,
    reason = "",
    options: WriteOptions = {},
  ): Promise<void> {
    const params: QueryParams = [["enable", String(enable)]];
    if (enable && reason !== "") params.push(["reason", reason]);
    await this.#transport.write({
      method: "PUT",
      path: serviceId === null
        ? "/v1/agent/maintenance"
        : `/v1/agent/service/maintenance/${escapePath(serviceId)}`,
      params,
      options: { token: options.token, signal: options.signal },
    });
  }

  /**
   * Leaves the cluster gracefully, then shuts the agent down (`PUT /v1/agent/leave`).
   *
   * @example
   * ```ts
   * await client.agent.leave();
   * ```
   */
  async leave(options: WriteOptions = {}): Promise<void> {
    await this.#transport.write({
      method: "PUT",
      path: "/v1/agent/leave",
      options: { token: options.token, signal: options.signal },
    });
  }

  /**
   * Registers a service (and its checks) on this agent (`PUT /v1/agent/service/register`).
   *
   * @example
   * ```ts
   * await client.agent.serviceRegister({ Name: "web", Port: 8080, Tags: ["v1"] });
   * ```
   */
  async serviceRegister(
    registration: AgentServiceRegistration,
    options: WriteOptions & { readonly replaceExistingChecks?: boolean } = {},
  ): Promise<void> {
    await this.#transport.write({
      method: "PUT",
      path: "/v1/agent/service/register",
      params: options.replaceExistingChecks ? [["replace-existing-checks", "true"]] : [],
      body: { json: registration },
      options: { token: options.token, signal: options.signal },
    });
  }

  /**
   * Removes a service and its checks from this agent (`PUT /v1/agent/service/deregister/<id>`).
   *
   * @example
   * ```ts
   * await client.agent.serviceDeregister("web");
   * ```
   */
  async serviceDeregister(serviceId: string, options: WriteOptions = {}): Promise<void> {
    await this.#transport.write({
      method: "PUT",
      path: `/v1/agent/service/deregister/${escapePath(serviceId)}`,
      options: { token: options.token, signal: options.signal },
    });
  }

  /**
   * Asks the agent to join the gossip pool through `address`
   * (`PUT /v1/agent/join/<address>[?wan=1]`).
   *
   * @example
   * ```ts
   * await client.agent.join("10.0.0.7:8301");
   * ```
   */
  async join(
    address: string,
    options: WriteOptions & { readonly wan?: boolean } = {},
  ): Promise<void> {
    await this.#transport.write({
      method: "PUT",
      path: `/v1/agent/join/${escapePath(address)}`,
      params: options.wan ? [["wan", "1"]] : [],
      options: { token: options.token, signal: options.signal },
    });
  }

  /**
   * Marks a failed member as left; `prune` also forgets it at once
   * (`PUT /v1/agent/force-leave/<node>[?prune=1][&wan=1]`).
   *
   * @example
   * ```ts
   * await client.agent.forceLeave("node-3", { prune: true });
   * ```
   */
  async forceLeave(
    node: string,
    options: WriteOptions & { readonly prune?: boolean; readonly wan?: boolean } = {},
  ): Promise<void> {
    const params: QueryParams = [];
    if (options.prune) params.push(["prune", "1"]);
    if (options.wan) params.push(["wan", "1"]);
    await this.#transport.write({
      method: "PUT",
      path: `/v1/agent/force-leave/${escapePath(node)}`,
      params,
      options: { token: options.token, signal: options.signal },
    });
  }
}
