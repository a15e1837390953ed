/**
 * Where the client talks to and as whom: the agent address, token and default datacenter,
 * from explicit options first and then from Consul's environment variables, as Consul's Go
 * client and CLI resolve them.
 *
 * @module
 */
import { ApiConfigError } from "./errors.ts";

/** The agent address used when neither an option nor `CONSUL_HTTP_ADDR` names one. */
export const DEFAULT_HTTP_ADDRESS = "127.0.0.1:8500";

/** Reads one environment variable; `undefined` when unset. */
export type EnvReader = (name: string) => string | undefined;

/** Settings for {@linkcode ConsulClient}; anything left out comes from the environment. */
export interface ConsulClientOptions {
  /**
   * The agent's HTTP address: `host:port`, `http://host:port` or `https://host:port`, optionally
   * followed by a path prefix. Default: `CONSUL_HTTP_ADDR`, else `127.0.0.1:8500`.
   */
  readonly address?: string;
  /** ACL token sent as `X-Consul-Token`. Default: `CONSUL_HTTP_TOKEN`, else none. */
  readonly token?: string;
  /** Datacenter sent as `?dc=` on every call that does not name its own. Default: the agent's. */
  readonly datacenter?: string;
  /** Environment lookup, e.g. `runtime.process.env`. Default: an empty environment. */
  readonly env?: EnvReader;
  /** The fetch implementation. Default: the global `fetch`. */
  readonly fetch?: typeof fetch;
}

/** The settings after defaults and the environment were applied. */
export interface ResolvedClientConfig {
  /** Scheme, authority and path prefix, without a trailing slash, e.g. `http://10.0.0.1:8500`. */
  readonly baseUrl: string;
  /** `host:port` as Go's dialer would print it, for connection error messages. */
  readonly dialAddress: string;
  /** Empty when no token is configured. */
  readonly token: string;
  /** Empty when calls should go to the agent's own datacenter. */
  readonly datacenter: string;
}

/**
 * Resolves the client settings: explicit options, then `CONSUL_HTTP_ADDR`, `CONSUL_HTTP_TOKEN`
 * and `CONSUL_HTTP_SSL` (which switches a scheme-less address to https).
 *
 * @throws {ApiConfigError} for a `unix://` address (not supported), an unknown scheme, an
 * unparseable address, or a `CONSUL_HTTP_SSL` value that is not a boolean.
 * @example
 * ```ts
 * const config = resolveClientConfig({ env: (name) => ({ CONSUL_HTTP_ADDR: "10.0.0.5:8500" })[name] });
 * config.baseUrl; // "http://10.0.0.5:8500"
 * ```
 */
export function resolveClientConfig(options: ConsulClientOptions = {}): ResolvedClientConfig {
  const env = options.env ?? (() => undefined);
  const address = nonEmpty(options.address) ?? nonEmpty(env("CONSUL_HTTP_ADDR")) ??
    DEFAULT_HTTP_ADDRESS;
  const ssl = parseEnvBool("CONSUL_HTTP_SSL", env("CONSUL_HTTP_SSL"));
  const { scheme, authority, pathPrefix } = splitAddress(address, ssl ? "https" : "http");
  let url: URL;
  try {
    url = new URL(`${scheme}://${authority}`);
  } catch {
    throw invalidAddress(address);
  }
  if (url.hostname === "" || url.pathname !== "/" || url.search !== "" || url.username !== "") {
    throw invalidAddress(address);
  }
  const port = url.port !== "" ? url.port : scheme === "https" ? "443" : "80";
  return {
    baseUrl: `${scheme}://${url.host}${pathPrefix.replace(/\/+$/, "")}`,
    dialAddress: `${url.hostname}:${port}`,
    token: nonEmpty(options.token) ?? nonEmpty(env("CONSUL_HTTP_TOKEN")) ?? "",
    datacenter: nonEmpty(options.datacenter) ?? "",
  };
}

function splitAddress(
  address: string,
  defaultScheme: "http" | "https",
): { scheme: "http" | "https"; authority: string; pathPrefix: string } {
  const marker = address.indexOf("://");
  if (marker === -1) return { scheme: defaultScheme, authority: address, pathPrefix: "" };
  const given = address.slice(0, marker);
  const rest = address.slice(marker + 3);
  if (given === "unix") {
    throw new ApiConfigError(
      `Unix socket addresses are not supported by Consulate's client ("${address}"): ` +
        "use host:port, http://host:port or https://host:port",
    );
  }
  if (given !== "http" && given !== "https") {
    throw new ApiConfigError(
      `Unknown protocol scheme: ${given} (in address "${address}"): use http or https`,
    );
  }
  // "https://" always wins; "http://" with CONSUL_HTTP_SSL keeps TLS, as Consul never downgrades.
  const scheme = given === "https" ? "https" : defaultScheme;
  const slash = rest.indexOf("/");
  return slash === -1
    ? { scheme, authority: rest, pathPrefix: "" }
    : { scheme, authority: rest.slice(0, slash), pathPrefix: rest.slice(slash) };
}

function invalidAddress(address: string): ApiConfigError {
  return new ApiConfigError(
    `Invalid HTTP address "${address}": expected host:port, http://host:port or https://host:port`,
  );
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === "" ? undefined : value;
}

/** Go's `strconv.ParseBool`, which is what Consul applies to its boolean variables. */
function parseEnvBool(name: string, raw: string | undefined): boolean {
  if (raw === undefined || raw === "") return false;
  if (["1", "t", "T", "TRUE", "true", "True"].includes(raw)) return true;
  if (["0", "f", "F", "FALSE", "false", "False"].includes(raw)) return false;
  throw new ApiConfigError(`Could not parse ${name}="${raw}": use true or false`);
}
