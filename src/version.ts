/**
 * The Consulate version and the Consul protocol facts it reports.
 *
 * @module
 */

/** Consulate's own version; kept equal to `version` in deno.json (a test checks it). */
export const VERSION = "0.1.0";

/** The Consul release whose HTTP API and configuration Consulate follows. */
export const CONSUL_COMPATIBLE_VERSION = "1.21.0";

/** Consul's RPC protocol version range, as reported by `version` and in member tags. */
export const PROTOCOL_VERSION = { min: 2, max: 3, current: 2 } as const;
