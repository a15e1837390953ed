/** Consul's `CheckHTTP`: 2xx passing, 429 warning, anything else critical. */

import type { Clock, Random } from "../../runtime/ports.ts";
import { IntervalCheck } from "./_interval_loop.ts";
import { DEFAULT_OUTPUT_MAX_BYTES } from "./_output.ts";
import type { HttpProber, HttpProbeResponse } from "./http_prober.ts";
import {
  type AgentLog,
  type CheckNotifier,
  HEALTH_CRITICAL,
  HEALTH_PASSING,
  HEALTH_WARNING,
} from "./status.ts";

/** Consul's HTTP check timeout when none is given. */
export const DEFAULT_HTTP_TIMEOUT_MS = 10_000;
/** The User-Agent Consul's HTTP checks send. */
export const HTTP_CHECK_USER_AGENT = "Consul Health Check";
/** Redirects followed before giving up, as Go's HTTP client does. */
export const MAX_HTTP_REDIRECTS = 10;

/** Options for {@linkcode HttpCheck}. */
export interface HttpCheckOptions {
  readonly checkId: string;
  readonly url: string;
  /** Default GET. */
  readonly method?: string;
  readonly header?: Readonly<Record<string, readonly string[]>>;
  readonly body?: string;
  readonly intervalMs: number;
  /** Default 10 s. */
  readonly timeoutMs?: number;
  readonly tlsSkipVerify?: boolean;
  readonly tlsServerName?: string;
  /** Default 4 KiB. */
  readonly outputMaxBytes?: number;
  /** Usually a `StatusHandler`, so thresholds apply. */
  readonly notifier: CheckNotifier;
  readonly prober: HttpProber;
  readonly clock: Clock;
  readonly random: Random;
  readonly log?: AgentLog;
}

/**
 * Requests the URL every interval. Output: `HTTP <method> <url>: <code> <reason> Output: <body>`
 * with at most 4 KiB of body. Consul keeps the body's last 4 KiB; Consulate keeps the first
 * 4 KiB and stops downloading there, so a huge health page costs nothing.
 */
export class HttpCheck extends IntervalCheck {
  readonly #options: HttpCheckOptions;

  constructor(options: HttpCheckOptions) {
    super(options, options.intervalMs);
    this.#options = options;
  }

  /** Runs one probe now and reports its result. */
  override async probe(): Promise<void> {
    const o = this.#options;
    const method = o.method || "GET";
    const controller = new AbortController();
    const timeoutMs = o.timeoutMs && o.timeoutMs > 0 ? o.timeoutMs : DEFAULT_HTTP_TIMEOUT_MS;
    const timer = o.clock.setTimer(timeoutMs, () => {
      controller.abort(new Error(`request timed out after ${timeoutMs}ms`));
    });
    let response: HttpProbeResponse;
    try {
      response = await this.#follow(method, controller.signal);
    } catch (error) {
      const reason = controller.signal.aborted ? controller.signal.reason : error;
      const op = method.charAt(0).toUpperCase() + method.slice(1).toLowerCase();
      const message = reason instanceof Error ? reason.message : String(reason);
      o.notifier.updateCheck(o.checkId, HEALTH_CRITICAL, `${op} "${o.url}": ${message}`);
      return;
    } finally {
      timer.cancel();
    }
    const result =
      `HTTP ${method} ${o.url}: ${response.status} ${response.statusText} Output: ${response.body}`;
    const code = response.status;
    const status = code >= 200 && code <= 299
      ? HEALTH_PASSING
      : code === 429
      ? HEALTH_WARNING
      : HEALTH_CRITICAL;
    o.notifier.updateCheck(o.checkId, status, result);
  }

  async #follow(method: string, signal: AbortSignal): Promise<HttpProbeResponse> {
    const o = this.#options;
    const headers = withDefaultHeaders(o.header ?? {});
    let url = o.url;
    let body = o.body ?? "";
    for (let redirects = 0;; redirects++) {
      const response = await o.prober.probe({
        url,
        method,
        headers,
        body,
        tlsSkipVerify: o.tlsSkipVerify ?? false,
        tlsServerName: o.tlsServerName ?? "",
        maxBodyBytes: o.outputMaxBytes ?? DEFAULT_OUTPUT_MAX_BYTES,
        signal,
      });
      const redirect = [301, 302, 303, 307, 308].includes(response.status);
      if (!redirect || response.location === null) return response;
      if (redirects >= MAX_HTTP_REDIRECTS) {
        throw new Error(`stopped after ${MAX_HTTP_REDIRECTS} redirects`);
      }
      url = new URL(response.location, url).href;
      // As Go's client: 301/302/303 turn into a body-less GET; 307/308 repeat the request.
      if (response.status <= 303) {
        method = method === "HEAD" ? "HEAD" : "GET";
        body = "";
      }
    }
  }
}

function withDefaultHeaders(
  header: Readonly<Record<string, readonly string[]>>,
): Record<string, readonly string[]> {
  const result: Record<string, readonly string[]> = { ...header };
  const names = new Set(Object.keys(header).map((name) => name.toLowerCase()));
  if (!names.has("user-agent")) result["User-Agent"] = [HTTP_CHECK_USER_AGENT];
  if (!names.has("accept")) result["Accept"] = ["text/plain, text/*, */*"];
  return result;
}
