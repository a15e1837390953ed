/**
 * The gateway's entry in its local agent's catalog, built exactly as `consul connect envoy
 * -gateway=mesh -register` builds it, so servers, the gateway locator and federation-state
 * anti-entropy find it the same way they find an Envoy gateway.
 *
 * It is not the proxy, and it does not decide what to listen on; it only describes and
 * registers what the gateway already listens on.
 *
 * @module
 */
import type { AgentServiceRegistration, ConsulClient, ServiceAddress } from "../api/mod.ts";

/** The service kind of a mesh gateway in the catalog. */
export const MESH_GATEWAY_KIND = "mesh-gateway";

/** Default service name (and so ID) when `-service` is not given, as in Consul. */
export const DEFAULT_GATEWAY_SERVICE_NAME = MESH_GATEWAY_KIND;

/** Service meta key that opts a gateway into carrying WAN federation traffic. */
export const WAN_FEDERATION_META_KEY = "consul-wan-federation";

/** Interval of the gateway's TCP check, as Consul registers it. */
export const GATEWAY_CHECK_INTERVAL = "10s";

/** Default of `-deregister-after-critical`, as in Consul. */
export const DEFAULT_DEREGISTER_CRITICAL_AFTER = "6h";

/** What the registration describes. */
export interface GatewayRegistrationInput {
  /** Service name; default {@linkcode DEFAULT_GATEWAY_SERVICE_NAME}. */
  readonly serviceName?: string;
  /** Service ID (`-proxy-id`); default: the service name, as Consul does when registering. */
  readonly serviceId?: string;
  /** LAN address; an empty `Address` leaves it to the agent's node address. */
  readonly lan: ServiceAddress;
  /** WAN address, or `null` when none was given. */
  readonly wan: ServiceAddress | null;
  /** Adds `{"consul-wan-federation": "1"}` to the service meta (`-expose-servers`). */
  readonly exposeServers: boolean;
  /** Explicit listeners (`-bind-address name=ip:port`), when given. */
  readonly bindAddresses?: Readonly<Record<string, ServiceAddress>>;
  /**
   * Whether the gateway listens on both tagged addresses, as Consul's `canBind` checks before
   * hinting `envoy_gateway_bind_tagged_addresses`. Default: true when both addresses are set.
   */
  readonly boundTaggedAddresses?: boolean;
  /** `-deregister-after-critical`; default {@linkcode DEFAULT_DEREGISTER_CRITICAL_AFTER}. */
  readonly deregisterCriticalServiceAfter?: string;
}

/**
 * Builds the `PUT /v1/agent/service/register` body: Kind `mesh-gateway`, LAN `Address`/`Port`,
 * `lan`/`wan` tagged addresses for the addresses given, the federation meta with
 * `exposeServers`, Consul's bind hints in `Proxy.Config`, and a TCP check named
 * `mesh-gateway listening` on the LAN address (127.0.0.1 when none) every 10 s.
 *
 * @example
 * ```ts
 * const body = buildGatewayRegistration({
 *   lan: { Address: "10.0.0.5", Port: 8443 },
 *   wan: { Address: "198.18.0.5", Port: 443 },
 *   exposeServers: true,
 * });
 * body.Meta; // { "consul-wan-federation": "1" }
 * ```
 */
export function buildGatewayRegistration(
  input: GatewayRegistrationInput,
): AgentServiceRegistration {
  const name = input.serviceName || DEFAULT_GATEWAY_SERVICE_NAME;
  const tagged: Record<string, ServiceAddress> = {};
  if (input.lan.Address !== "") tagged.lan = { ...input.lan };
  if (input.wan !== null && input.wan.Address !== "") tagged.wan = { ...input.wan };
  const checkHost = input.lan.Address || "127.0.0.1";
  const registration: Record<string, unknown> = {
    Kind: MESH_GATEWAY_KIND,
    ID: input.serviceId || name,
    Name: name,
    Address: input.lan.Address,
    Port: input.lan.Port,
    TaggedAddresses: tagged,
    Check: {
      Name: `${MESH_GATEWAY_KIND} listening`,
      TCP: checkHost.includes(":")
        ? `[${checkHost}]:${input.lan.Port}`
        : `${checkHost}:${input.lan.Port}`,
      Interval: GATEWAY_CHECK_INTERVAL,
      DeregisterCriticalServiceAfter: input.deregisterCriticalServiceAfter ||
        DEFAULT_DEREGISTER_CRITICAL_AFTER,
    },
  };
  if (input.exposeServers) registration.Meta = { [WAN_FEDERATION_META_KEY]: "1" };
  const proxyConfig = bindHints(input);
  if (proxyConfig !== null) registration.Proxy = { Config: proxyConfig };
  return registration as unknown as AgentServiceRegistration;
}

/**
 * Consul's hints about where the gateway listens. Envoy needs them to create listeners; ours are
 * informational, but tools that read the registration see what they would see with Envoy.
 */
function bindHints(input: GatewayRegistrationInput): Record<string, unknown> | null {
  const bind = input.bindAddresses ?? {};
  if (Object.keys(bind).length > 0) {
    return { envoy_gateway_no_default_bind: true, envoy_gateway_bind_addresses: bind };
  }
  const bothSet = input.lan.Address !== "" && input.wan !== null && input.wan.Address !== "";
  if (bothSet && (input.boundTaggedAddresses ?? true)) {
    return { envoy_gateway_no_default_bind: true, envoy_gateway_bind_tagged_addresses: true };
  }
  return null;
}

/**
 * Registers a gateway with the local agent and removes it again on {@linkcode GatewayRegistration.deregister}.
 *
 * @example
 * ```ts
 * const registration = await GatewayRegistration.register(client, body);
 * // ... on shutdown
 * await registration.deregister();
 * ```
 */
export class GatewayRegistration {
  readonly #client: ConsulClient;
  readonly #body: AgentServiceRegistration;
  #registered = true;

  private constructor(client: ConsulClient, body: AgentServiceRegistration) {
    this.#client = client;
    this.#body = body;
  }

  /**
   * Sends the registration.
   *
   * @throws {ApiError} or {@linkcode ApiConnectionError} when the agent refuses or cannot be reached.
   */
  static async register(
    client: ConsulClient,
    body: AgentServiceRegistration,
  ): Promise<GatewayRegistration> {
    await client.agent.serviceRegister(body);
    return new GatewayRegistration(client, body);
  }

  /** The service ID registered. */
  get serviceId(): string {
    return this.#body.ID ?? this.#body.Name;
  }

  /** What was sent. */
  get body(): AgentServiceRegistration {
    return this.#body;
  }

  /**
   * Removes the service; later calls do nothing.
   *
   * @throws {ApiError} or {@linkcode ApiConnectionError} when the agent refuses or cannot be reached.
   */
  async deregister(): Promise<void> {
    if (!this.#registered) return;
    this.#registered = false;
    await this.#client.agent.serviceDeregister(this.serviceId);
  }
}
