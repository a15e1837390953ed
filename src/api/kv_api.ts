/**
 * `/v1/kv/*`: Consul's key/value store — reads (one key, a prefix, key names) and writes with
 * check-and-set, flags and session locks. Values travel as raw bytes; the base64 of Consul's
 * JSON is decoded here.
 *
 * @module
 */
import { decodeJson, escapePath, type HttpTransport, requireOk } from "./_transport.ts";
import { ApiResponseError } from "./errors.ts";
import type { QueryOptions, QueryParams, QueryResult, WriteOptions } from "./query.ts";
import type { KVPair } from "./types.ts";

/** Options of {@linkcode KvApi.put}; `cas`, `acquire` and `release` are exclusive in effect. */
export interface KvPutOptions extends WriteOptions {
  /** An opaque unsigned number stored with the key (`?flags=`). */
  readonly flags?: number;
  /** Check-and-set: write only if the key's ModifyIndex is this (0: only if absent). */
  readonly cas?: number;
  /** Take the key's lock for this session (`?acquire=`). */
  readonly acquire?: string;
  /** Give up this session's lock on the key (`?release=`). */
  readonly release?: string;
}

/** Options of {@linkcode KvApi.delete}. */
export interface KvDeleteOptions extends WriteOptions {
  /** Delete every key with this prefix (`?recurse`). */
  readonly recurse?: boolean;
  /** Check-and-set: delete only if the key's ModifyIndex is this. */
  readonly cas?: number;
}

/** The JSON form of a KV entry, before its value is decoded. */
interface WireKVPair extends Omit<KVPair, "Value"> {
  readonly Value?: string | null;
}

/** Key/value calls. Reach them through `client.kv`. */
export class KvApi {
  readonly #transport: HttpTransport;

  /** Used by {@linkcode ConsulClient}; not meant to be built directly. */
  constructor(transport: HttpTransport) {
    this.#transport = transport;
  }

  /**
   * One key (`GET /v1/kv/<key>`); `value` is `null` when the key does not exist.
   *
   * @example
   * ```ts
   * const { value: pair } = await client.kv.get("config/redis/maxconns");
   * if (pair?.Value) console.log(new TextDecoder().decode(pair.Value));
   * ```
   */
  async get(key: string, options: QueryOptions = {}): Promise<QueryResult<KVPair | null>> {
    const { value, meta } = await this.#transport.query<WireKVPair[]>(
      { method: "GET", path: kvPath(key), options },
      true,
    );
    return { value: value && value.length > 0 ? decodePair(value[0]) : null, meta };
  }

  /**
   * Every key under a prefix, with values (`GET /v1/kv/<prefix>?recurse=`).
   *
   * @example
   * ```ts
   * const { value: pairs } = await client.kv.list("config/");
   * ```
   */
  async list(prefix: string, options: QueryOptions = {}): Promise<QueryResult<KVPair[]>> {
    const { value, meta } = await this.#transport.query<WireKVPair[]>(
      { method: "GET", path: kvPath(prefix), params: [["recurse", ""]], options },
      true,
    );
    return { value: (value ?? []).map(decodePair), meta };
  }

  /**
   * Key names under a prefix; with a separator, names below it fold into one entry ending in
   * the separator (`GET /v1/kv/<prefix>?keys=&separator=`).
   *
   * @example
   * ```ts
   * const { value } = await client.kv.keys("config/", { separator: "/" });
   * // ["config/redis/", "config/web"]
   * ```
   */
  async keys(
    prefix: string,
    options: QueryOptions & { readonly separator?: string } = {},
  ): Promise<QueryResult<string[]>> {
    const params: QueryParams = [["keys", ""]];
    if (options.separator) params.push(["separator", options.separator]);
    const { value, meta } = await this.#transport.query<string[]>(
      { method: "GET", path: kvPath(prefix), params, options },
      true,
    );
    return { value: value ?? [], meta };
  }

  /**
   * Writes a key (`PUT /v1/kv/<key>`). Resolves to `false` when the write was refused: a
   * check-and-set whose index did not match, or a lock that could not be taken or released.
   *
   * @example
   * ```ts
   * await client.kv.put("config/redis/maxconns", "5");
   * const { value } = await client.kv.get("config/redis/maxconns");
   * const won = await client.kv.put("config/redis/maxconns", "6", { cas: value!.ModifyIndex });
   * ```
   */
  async put(
    key: string,
    value: Uint8Array | string,
    options: KvPutOptions = {},
  ): Promise<boolean> {
    const params: QueryParams = [];
    if (options.flags) params.push(["flags", String(requireCount("flags", options.flags))]);
    if (options.cas !== undefined) params.push(["cas", String(requireCount("cas", options.cas))]);
    if (options.acquire) params.push(["acquire", options.acquire]);
    if (options.release) params.push(["release", options.release]);
    return await this.#writeBool({
      method: "PUT",
      path: kvPath(key),
      params,
      body: { raw: value },
      options,
    });
  }

  /**
   * Deletes a key, or with `recurse` every key under a prefix (`DELETE /v1/kv/<key>`).
   * Resolves to `false` only when a check-and-set delete did not match.
   *
   * @example
   * ```ts
   * await client.kv.delete("config/", { recurse: true });
   * ```
   */
  async delete(key: string, options: KvDeleteOptions = {}): Promise<boolean> {
    const params: QueryParams = [];
    if (options.recurse) params.push(["recurse", ""]);
    if (options.cas !== undefined) params.push(["cas", String(requireCount("cas", options.cas))]);
    return await this.#writeBool({ method: "DELETE", path: kvPath(key), params, options });
  }

  async #writeBool(spec: Parameters<HttpTransport["send"]>[0]): Promise<boolean> {
    const response = await this.#transport.send(spec);
    requireOk(response);
    if (response.body.byteLength === 0) return true;
    const answer = decodeJson<unknown>(response);
    if (typeof answer !== "boolean") {
      throw new ApiResponseError(
        `Expected true or false from ${response.method} ${response.url}, got ${
          JSON.stringify(answer)
        }`,
      );
    }
    return answer;
  }
}

/** `/v1/kv/<key>` with the key escaped; a leading `/` is dropped as Consul's client does. */
function kvPath(key: string): string {
  return `/v1/kv/${escapePath(key.replace(/^\//, ""))}`;
}

function requireCount(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`KV ${name} must be a non-negative integer, got ${value}`);
  }
  return value;
}

function decodePair(wire: WireKVPair): KVPair {
  const { Value, ...rest } = wire;
  return { ...rest, Value: typeof Value === "string" ? decodeBase64(Value) : null };
}

function decodeBase64(text: string): Uint8Array {
  let binary: string;
  try {
    binary = atob(text);
  } catch {
    throw new ApiResponseError(`KV value is not valid base64: "${text.slice(0, 40)}"`);
  }
  return Uint8Array.from(binary, (char) => char.charCodeAt(0));
}
