/**
 * The errors the API client raises, each carrying what a caller needs to act: the HTTP status
 * and body the agent answered with, the request that could not reach it, or the address that
 * could not be used.
 *
 * @module
 */

/**
 * The agent answered with a status other than the one the call expects, as Consul's Go client
 * reports it: `Unexpected response code: 500 (No path to datacenter)`.
 */
export class ApiError extends Error {
  /** Always `"ApiError"`. */
  override readonly name = "ApiError";
  /** The HTTP status code, e.g. 403 or 500. */
  readonly status: number;
  /** The response body as text; Consul puts its error message here. */
  readonly body: string;
  /** The HTTP method of the failed request, e.g. `"GET"`. */
  readonly method: string;
  /** The URL of the failed request, with the query string. */
  readonly url: string;

  /** Builds the error from the failed exchange. */
  constructor(init: { status: number; body: string; method: string; url: string }) {
    const body = init.body.trim();
    super(`Unexpected response code: ${init.status}${body === "" ? "" : ` (${body})`}`);
    this.status = init.status;
    this.body = init.body;
    this.method = init.method;
    this.url = init.url;
  }
}

/**
 * The request never got an answer: the agent is not listening, the name does not resolve, or
 * the connection broke. The message follows Go's `net/http` wording so scripts written against
 * Consul's CLI see the same text, e.g.
 * `Get "http://127.0.0.1:8500/v1/agent/self": dial tcp 127.0.0.1:8500: connect: connection refused`.
 */
export class ApiConnectionError extends Error {
  /** Always `"ApiConnectionError"`. */
  override readonly name = "ApiConnectionError";
  /** The URL that could not be fetched. */
  readonly url: string;

  /** Builds the error; `cause` is the runtime's original fetch failure. */
  constructor(message: string, url: string, options?: { cause?: unknown }) {
    super(message, options);
    this.url = url;
  }
}

/** The agent answered, but not with something the client can read (bad JSON, bad header, too big). */
export class ApiResponseError extends Error {
  /** Always `"ApiResponseError"`. */
  override readonly name = "ApiResponseError";
}

/** The address or other client settings cannot be used (e.g. a `unix://` socket address). */
export class ApiConfigError extends Error {
  /** Always `"ApiConfigError"`. */
  override readonly name = "ApiConfigError";
}
