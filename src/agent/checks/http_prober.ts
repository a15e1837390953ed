/**
 * The HTTP client behind HTTP checks.
 *
 * This is the one file outside `src/runtime/` allowed to import `node:http` and `node:https`:
 * global `fetch` cannot skip TLS verification or set the SNI per request portably across Deno
 * and Bun, and HTTP checks need both (`TLSSkipVerify`, `TLSServerName`). Keep-alive is off so a
 * stale pooled connection never fails a check, as in Consul.
 */

import * as http from "node:http";
import * as https from "node:https";
import { decodeUtf8Prefix } from "./_output.ts";

/** One request an HTTP check makes. */
export interface HttpProbeRequest {
  readonly url: string;
  readonly method: string;
  readonly headers: Readonly<Record<string, readonly string[]>>;
  readonly body: string;
  readonly tlsSkipVerify: boolean;
  /** SNI and the name the certificate must hold; empty means the URL's host. */
  readonly tlsServerName: string;
  /** The most body bytes read; the rest of the body is not downloaded. */
  readonly maxBodyBytes: number;
  /** Aborts the request (the check's timeout). */
  readonly signal: AbortSignal;
}

/** What came back. */
export interface HttpProbeResponse {
  readonly status: number;
  /** The reason phrase the server sent ("OK"). */
  readonly statusText: string;
  /** At most `maxBodyBytes` of the body, decoded as UTF-8. */
  readonly body: string;
  /** The `Location` header, for redirects. */
  readonly location: string | null;
}

/** Makes HTTP check requests. Rejects with an `Error` on transport failure or abort. */
export interface HttpProber {
  probe(request: HttpProbeRequest): Promise<HttpProbeResponse>;
}

/** Options for {@linkcode createNodeHttpProber}. */
export interface NodeHttpProberOptions {
  /** PEM CA bundle trusted for HTTPS checks; default: the runtime's system roots. */
  readonly caPem?: string;
}

/** The default {@linkcode HttpProber}, on `node:http`/`node:https`. */
export function createNodeHttpProber(options: NodeHttpProberOptions = {}): HttpProber {
  return { probe: (request) => probeOnce(request, options) };
}

function probeOnce(
  request: HttpProbeRequest,
  options: NodeHttpProberOptions,
): Promise<HttpProbeResponse> {
  const url = new URL(request.url);
  const secure = url.protocol === "https:";
  if (!secure && url.protocol !== "http:") {
    return Promise.reject(new Error(`unsupported protocol scheme "${url.protocol.slice(0, -1)}"`));
  }
  const headers: Record<string, string[]> = {};
  for (const [name, values] of Object.entries(request.headers)) headers[name] = [...values];
  const requestOptions: https.RequestOptions = {
    method: request.method,
    headers,
    agent: false,
    signal: request.signal,
  };
  if (secure) {
    requestOptions.rejectUnauthorized = !request.tlsSkipVerify;
    if (request.tlsServerName !== "") requestOptions.servername = request.tlsServerName;
    if (options.caPem !== undefined) requestOptions.ca = options.caPem;
  }
  return new Promise((resolve, reject) => {
    const send = secure ? https.request : http.request;
    const req = send(url, requestOptions, (res) => {
      collectBody(res, request.maxBodyBytes).then((body) => {
        resolve({
          status: res.statusCode ?? 0,
          statusText: res.statusMessage ?? "",
          body,
          location: typeof res.headers.location === "string" ? res.headers.location : null,
        });
      }, reject);
    });
    req.on("error", reject);
    req.end(request.body === "" ? undefined : request.body);
  });
}

function collectBody(res: http.IncomingMessage, maxBytes: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Uint8Array[] = [];
    let size = 0;
    const finish = () => {
      const all = new Uint8Array(size);
      let offset = 0;
      for (const chunk of chunks) {
        all.set(chunk, offset);
        offset += chunk.byteLength;
      }
      resolve(decodeUtf8Prefix(all, maxBytes));
    };
    res.on("data", (chunk: Uint8Array) => {
      if (size >= maxBytes) return;
      // Keep one byte past the cap so the decoder can tell a cut character from a whole one.
      const room = maxBytes + 1 - size;
      const part = chunk.byteLength > room ? chunk.subarray(0, room) : chunk;
      chunks.push(part);
      size += part.byteLength;
      if (size > maxBytes) {
        res.destroy();
        finish();
      }
    });
    res.on("end", finish);
    res.on("error", (error) => (size > maxBytes ? undefined : reject(error)));
  });
}
