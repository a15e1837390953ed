/**
 * `/v1/status/*`: which server leads the Raft cluster and which servers vote in it.
 *
 * @module
 */
import type { HttpTransport } from "./_transport.ts";
import type { WriteOptions } from "./query.ts";

/** Raft status reads. Reach them through `client.status`. */
export class StatusApi {
  readonly #transport: HttpTransport;

  /** Used by {@linkcode ConsulClient}; not meant to be built directly. */
  constructor(transport: HttpTransport) {
    this.#transport = transport;
  }

  /**
   * The leader's RPC address, `""` while there is none (`GET /v1/status/leader`).
   *
   * @example
   * ```ts
   * const leader = await client.status.leader(); // "10.0.0.1:8300"
   * ```
   */
  async leader(options: WriteOptions = {}): Promise<string> {
    const { value } = await this.#transport.query<string>({
      method: "GET",
      path: "/v1/status/leader",
      options,
    });
    return value ?? "";
  }

  /**
   * The RPC addresses of the Raft voters (`GET /v1/status/peers`).
   *
   * @example
   * ```ts
   * const peers = await client.status.peers({ dc: "dc2" });
   * ```
   */
  async peers(options: WriteOptions = {}): Promise<string[]> {
    const { value } = await this.#transport.query<string[]>({
      method: "GET",
      path: "/v1/status/peers",
      options,
    });
    return value ?? [];
  }
}
