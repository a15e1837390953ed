/**
 * Consul's defaults, as configuration sources merged before everything else, so that a default
 * can be told apart from a value a person wrote (errors name `built-in defaults` as the origin).
 *
 * @module
 */
import type { SourceConfig } from "./schema.ts";

/** Name of the defaults source in messages. */
export const DEFAULTS_SOURCE_NAME = "built-in defaults";

/** Name of the `-dev` defaults source in messages. */
export const DEV_SOURCE_NAME = "-dev defaults";

/** The port to give `ports.https` when enabling HTTPS; Consul leaves HTTPS off by default. */
export const CONVENTIONAL_HTTPS_PORT = 8501;

/** The gRPC port `-dev` turns on; off (-1) otherwise, as in Consul. */
export const DEV_GRPC_PORT = 8502;

/**
 * Consul's agent defaults; `node_name` is the host name. TLS switches are left out (they default
 * to false when built) so that Consul's deprecated top-level TLS keys can still take effect.
 */
export function defaultSource(hostname: string): SourceConfig {
  return {
    datacenter: "dc1",
    domain: "consul",
    node_name: hostname,
    server: false,
    bootstrap: false,
    bootstrap_expect: 0,
    bind_addr: "0.0.0.0",
    client_addr: "127.0.0.1",
    ports: {
      http: 8500,
      https: -1,
      dns: 8600,
      server: 8300,
      serf_lan: 8301,
      serf_wan: 8302,
      grpc: -1,
    },
    retry_interval: "30s",
    retry_interval_wan: "30s",
    retry_max: 0,
    retry_max_wan: 0,
    primary_gateways_interval: "30s",
    connect: { enabled: false, enable_mesh_gateway_wan_federation: false },
    acl: {
      enabled: false,
      default_policy: "allow",
      down_policy: "extend-cache",
    },
    log_level: "INFO",
    enable_script_checks: false,
    session_ttl_min: "10s",
  };
}

/** What `-dev` changes, merged right after the defaults (so files and flags still win). */
export function devSource(): SourceConfig {
  return {
    server: true,
    bind_addr: "127.0.0.1",
    client_addr: "127.0.0.1",
    log_level: "DEBUG",
    connect: { enabled: true },
    ports: { grpc: DEV_GRPC_PORT },
  };
}
