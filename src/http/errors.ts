/**
 * HTTP errors and how any error becomes a response, after Consul's `agent/http.go` wrapper:
 * permission problems are 403, typed HTTP errors carry their status, everything else is 500;
 * the body is always the error text as plain text.
 */

import { CheckDefinitionError, CheckNotTtlError } from "../agent/checks/mod.ts";
import { CatalogPermissionDeniedError, LocalStateError } from "../agent/local/mod.ts";
import { EndpointError, type EndpointErrorKind } from "../endpoints/mod.ts";

/** An error with the HTTP status it must be answered with (Consul's `HTTPError`). */
export class HttpError extends Error {
  override readonly name = "HttpError";
  /** @param status The status code to answer. @param message The body text. */
  constructor(readonly status: number, message: string, readonly headers: HeadersInit = {}) {
    super(message);
  }
}

/** A 400 with Consul's text. */
export function badRequest(message: string): HttpError {
  return new HttpError(400, message);
}

/** A 404 with Consul's text. */
export function notFound(message: string): HttpError {
  return new HttpError(404, message);
}

/** Consul's 405: `method X not allowed`, with an `Allow` header listing OPTIONS and `allowed`. */
export function methodNotAllowed(method: string, allowed: readonly string[]): HttpError {
  return new HttpError(405, `method ${method} not allowed`, {
    Allow: ["OPTIONS", ...allowed].join(","),
  });
}

/** 501 for an operation this agent cannot do yet. */
export function notImplemented(message: string): HttpError {
  return new HttpError(501, message);
}

const ENDPOINT_STATUS: Readonly<Record<EndpointErrorKind, number>> = {
  bad_request: 400,
  too_large: 413,
  no_leader: 500,
  // Nobody reads it; nginx's "client closed request" keeps it out of the 5xx statistics.
  aborted: 499,
  no_path: 500,
  apply_failed: 500,
};

/** True for Consul's ACL refusals, which may arrive as plain text from another server. */
function isPermissionDenied(error: Error): boolean {
  return error instanceof CatalogPermissionDeniedError ||
    error.message.startsWith("Permission denied") || error.message === "ACL not found";
}

/** The status code an error is answered with. */
export function statusOf(error: unknown): number {
  if (error instanceof HttpError) return error.status;
  if (!(error instanceof Error)) return 500;
  if (isPermissionDenied(error)) return 403;
  if (error instanceof EndpointError) return ENDPOINT_STATUS[error.kind];
  if (error instanceof CheckDefinitionError || error instanceof CheckNotTtlError) return 400;
  if (error instanceof LocalStateError) return 404;
  return 500;
}

/** A plain-text response, as Go's `fmt.Fprint` after `WriteHeader` produces. */
export function textResponse(status: number, text: string, headers: HeadersInit = {}): Response {
  const out = new Headers(headers);
  out.set("Content-Type", "text/plain; charset=utf-8");
  return new Response(text, { status, headers: out });
}

/** Answers `error` the way Consul's HTTP wrapper does. */
export function errorResponse(error: unknown, headers: HeadersInit = {}): Response {
  const out = new Headers(headers);
  if (error instanceof HttpError) {
    for (const [name, value] of new Headers(error.headers)) out.set(name, value);
  }
  const text = error instanceof Error ? error.message : String(error);
  return textResponse(statusOf(error), text, out);
}
