/**
 * A small stand-in for a local agent's HTTP API, served for real on 127.0.0.1:0 with Hono:
 * `/v1/agent/self`, `/v1/health/service/consul`, `/v1/internal/federation-states/mesh-gateways`
 * (404 until gateways are set) and service register/deregister, with Consul's blocking
 * queries (`?index=&wait=`, `X-Consul-Index`).
 */
import { Hono } from "hono";
import type { Context } from "hono";
import type { HttpServer, Runtime } from "../../src/runtime/ports.ts";
import type { ServiceEntry } from "../../src/api/mod.ts";

/** One request as the fake saw it. */
export interface SeenRequest {
  readonly method: string;
  readonly path: string;
  readonly query: string;
  readonly token: string | null;
  readonly body: string;
}

/** Largest `wait` the fake honours, so a test never hangs on a forgotten query. */
const MAX_WAIT_MS = 30_000;

/** The fake agent. */
export class FakeAgent {
  readonly requests: SeenRequest[] = [];
  readonly registrations: unknown[] = [];
  readonly deregistrations: string[] = [];
  datacenter = "dc1";
  #index = 10;
  #servers: ServiceEntry[] = [];
  #gateways: Record<string, ServiceEntry[]> | null = null;
  #waiters = new Set<() => void>();
  #server: HttpServer | null = null;
  readonly #runtime: Runtime;

  constructor(runtime: Runtime) {
    this.#runtime = runtime;
  }

  /** `host:port` of the fake. */
  get address(): string {
    const addr = this.#server!.addr;
    return `${addr.hostname}:${addr.port}`;
  }

  /** Requests to `path` seen so far. */
  seen(path: string): SeenRequest[] {
    return this.requests.filter((request) => request.path === path);
  }

  /** Replaces the `consul` service instances and wakes blocked queries. */
  setServers(servers: ServiceEntry[]): void {
    this.#servers = servers;
    this.#bump();
  }

  /** Replaces the federation-state gateways (`null`: the endpoint answers 404). */
  setGateways(gateways: Record<string, ServiceEntry[]> | null): void {
    this.#gateways = gateways;
    this.#bump();
  }

  async start(): Promise<void> {
    const app = this.#app();
    this.#server = await this.#runtime.http.serve({
      hostname: "127.0.0.1",
      port: 0,
      handler: (request) => app.fetch(request),
    });
  }

  async stop(): Promise<void> {
    for (const wake of this.#waiters) wake();
    await this.#server?.shutdown();
  }

  #bump(): void {
    this.#index++;
    for (const wake of [...this.#waiters]) wake();
  }

  #app(): Hono {
    const app = new Hono();
    app.use(async (c, next) => {
      const url = new URL(c.req.url);
      this.requests.push({
        method: c.req.method,
        path: url.pathname,
        query: url.search.replace(/^\?/, ""),
        token: c.req.header("X-Consul-Token") ?? null,
        body: c.req.method === "PUT" ? await c.req.raw.clone().text() : "",
      });
      await next();
    });
    app.get("/v1/agent/self", (c) =>
      c.json({
        Config: { Datacenter: this.datacenter, NodeName: "agent-1", Server: false },
        DebugConfig: { DNSDomain: "consul." },
        Member: {},
      }));
    app.get("/v1/health/service/consul", (c) => this.#blocking(c, () => this.#servers));
    app.get("/v1/internal/federation-states/mesh-gateways", (c) => {
      if (this.#gateways === null) return c.text("404 page not found", 404);
      return this.#blocking(c, () => this.#gateways ?? {});
    });
    app.put("/v1/agent/service/register", async (c) => {
      this.registrations.push(await c.req.json());
      return c.body(null, 200);
    });
    app.put("/v1/agent/service/deregister/:id", (c) => {
      this.deregistrations.push(c.req.param("id"));
      return c.body(null, 200);
    });
    return app;
  }

  async #blocking(c: Context, read: () => unknown): Promise<Response> {
    const index = Number(c.req.query("index") ?? "0");
    const waitMs = Math.min(parseWait(c.req.query("wait")), MAX_WAIT_MS);
    if (index > 0 && index >= this.#index) await this.#waitForChange(waitMs);
    c.header("X-Consul-Index", String(this.#index));
    c.header("X-Consul-KnownLeader", "true");
    return c.json(read());
  }

  #waitForChange(waitMs: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        this.#waiters.delete(done);
        timer.cancel();
        resolve();
      };
      const timer = this.#runtime.clock.setTimer(waitMs, done);
      this.#waiters.add(done);
    });
  }
}

function parseWait(raw: string | undefined): number {
  const match = /^(\d+)(ms|s|m)$/.exec(raw ?? "");
  if (match === null) return MAX_WAIT_MS;
  const unit = match[2] === "ms" ? 1 : match[2] === "s" ? 1000 : 60_000;
  return Number(match[1]) * unit;
}

/** A `consul` service entry for a server node at `host:port`. */
export function serverEntry(
  node: string,
  host: string,
  port: number,
  status = "passing",
): ServiceEntry {
  return {
    Node: {
      ID: `id-${node}`,
      Node: node,
      Address: host,
      Datacenter: "dc1",
      TaggedAddresses: { lan: host, wan: host },
      CreateIndex: 1,
      ModifyIndex: 1,
    },
    Service: { ID: "consul", Service: "consul", Port: port, Address: "" },
    Checks: [{
      Node: node,
      CheckID: "serfHealth",
      Name: "Serf Health Status",
      Status: status,
      Notes: "",
      Output: "",
      ServiceID: "",
      ServiceName: "",
      CreateIndex: 1,
      ModifyIndex: 1,
    }],
  };
}

/** A mesh-gateway entry whose WAN tagged address is `host:port`. */
export function gatewayEntry(
  node: string,
  host: string,
  port: number,
  status = "passing",
): ServiceEntry {
  const entry = serverEntry(node, "10.9.9.9", 8443, status);
  return {
    ...entry,
    Service: {
      ID: "mesh-gateway",
      Service: "mesh-gateway",
      Kind: "mesh-gateway",
      Port: 8443,
      Address: "10.9.9.9",
      TaggedAddresses: {
        lan: { Address: "10.9.9.9", Port: 8443 },
        wan: { Address: host, Port: port },
      },
      Meta: { "consul-wan-federation": "1" },
    },
  };
}
