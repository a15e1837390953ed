/**
 * A small in-memory stand-in for an agent's /v1 API, served for real on 127.0.0.1 so the client
 * goes over a socket. It records every request (method, path, query, headers, body) and keeps
 * just enough state (KV with indexes and locks, members, catalog, agent services) to answer
 * like Consul. Tests may queue a canned failure for one request with `failNext`.
 */
import { Hono } from "hono";
import type { Context } from "hono";
import { currentRuntime } from "../../src/runtime/current.ts";
import type { HttpServer } from "../../src/runtime/ports.ts";
import type {
  AgentMember,
  AgentService,
  CatalogNodeEntry,
  CatalogService,
} from "../../src/api/mod.ts";

/** One request as the fake saw it. */
export interface RecordedRequest {
  readonly method: string;
  /** The raw (still escaped) path. */
  readonly path: string;
  /** The raw query string without "?", "" when none. */
  readonly query: string;
  readonly token: string | null;
  readonly contentType: string | null;
  readonly body: Uint8Array;
}

interface KvEntry {
  value: Uint8Array;
  flags: number;
  createIndex: number;
  modifyIndex: number;
  lockIndex: number;
  session: string;
}

/** The fake agent; `start()` serves it, `stop()` shuts it down. */
export class FakeConsul {
  readonly requests: RecordedRequest[] = [];
  readonly kv = new Map<string, KvEntry>();
  members: AgentMember[] = [];
  wanMembers: AgentMember[] = [];
  datacenters: string[] = ["dc1"];
  nodes: CatalogNodeEntry[] = [];
  catalogServices: Record<string, string[]> = {};
  serviceInstances: Record<string, CatalogService[]> = {};
  nodeServices: Record<string, Record<string, AgentService>> = {};
  agentServices: Record<string, unknown> = {};
  leader = "127.0.0.1:8300";
  index = 1;
  #failures: Array<{ method: string; path: string; status: number; body: string }> = [];
  #changed: Array<() => void> = [];
  #onPark: Array<() => void> = [];
  readonly #bodies = new WeakMap<Request, Uint8Array>();
  #server: HttpServer | null = null;

  /** The base address, `127.0.0.1:<port>`, once started. */
  get address(): string {
    if (!this.#server) throw new Error("FakeConsul not started");
    return `127.0.0.1:${this.#server.addr.port}`;
  }

  /** The last request recorded. */
  get last(): RecordedRequest {
    const request = this.requests.at(-1);
    if (!request) throw new Error("FakeConsul saw no request");
    return request;
  }

  /** Makes the next request to `method path` answer `status` with `body`. */
  failNext(method: string, path: string, status: number, body: string): void {
    this.#failures.push({ method, path, status, body });
  }

  /** Resolves once a blocking query is parked waiting for a change. */
  blocked(): Promise<void> {
    if (this.#changed.length > 0) return Promise.resolve();
    return new Promise((resolve) => this.#onPark.push(resolve));
  }

  async start(): Promise<this> {
    const runtime = await currentRuntime();
    const app = this.#app();
    this.#server = await runtime.http.serve({
      hostname: "127.0.0.1",
      port: 0,
      handler: (request) => app.fetch(request),
    });
    return this;
  }

  async stop(): Promise<void> {
    for (const wake of this.#changed.splice(0)) wake();
    await this.#server?.shutdown();
  }

  #bump(): void {
    this.index++;
    for (const wake of this.#changed.splice(0)) wake();
  }

  #app(): Hono {
    const app = new Hono();
    app.use("*", async (c, next) => {
      const url = new URL(c.req.url);
      const body = new Uint8Array(await c.req.raw.arrayBuffer());
      this.requests.push({
        method: c.req.method,
        path: url.pathname,
        query: url.search.replace(/^\?/, ""),
        token: c.req.header("X-Consul-Token") ?? null,
        contentType: c.req.header("Content-Type") ?? null,
        body,
      });
      const failure = this.#failures.findIndex((f) =>
        f.method === c.req.method && f.path === url.pathname
      );
      if (failure !== -1) {
        const [f] = this.#failures.splice(failure, 1);
        return c.text(f.body, f.status as 500);
      }
      c.header("X-Consul-Index", String(this.index));
      c.header("X-Consul-KnownLeader", "true");
      c.header("X-Consul-LastContact", "0");
      this.#bodies.set(c.req.raw, body);
      await next();
      return undefined;
    });
    this.#agentRoutes(app);
    this.#catalogRoutes(app);
    app.get("/v1/kv/*", (c) => this.#kvGet(c));
    app.put("/v1/kv/*", (c) => this.#kvPut(c));
    app.delete("/v1/kv/*", (c) => this.#kvDelete(c));
    return app;
  }

  #agentRoutes(app: Hono): void {
    app.get("/v1/agent/self", (c) =>
      c.json({
        Config: { Datacenter: "dc1", NodeName: "node-1", Server: true, Version: "1.21.0" },
        Member: this.members[0] ?? null,
      }));
    app.get(
      "/v1/agent/members",
      (c) => c.json(c.req.query("wan") ? this.wanMembers : this.members),
    );
    app.get("/v1/agent/services", (c) => c.json(this.agentServices));
    app.put("/v1/agent/service/register", (c) => {
      const registration = JSON.parse(new TextDecoder().decode(this.#bodyOf(c)));
      this.agentServices[registration.ID ?? registration.Name] = registration;
      return c.body(null, 200);
    });
    app.put("/v1/agent/service/deregister/:id", (c) => {
      const id = c.req.param("id");
      if (!(id in this.agentServices)) return c.text(`Unknown service ID "${id}"`, 404);
      delete this.agentServices[id];
      return c.body(null, 200);
    });
    app.put("/v1/agent/join/:address", (c) => c.body(null, 200));
    app.put("/v1/agent/force-leave/:node", (c) => c.body(null, 200));
    app.get("/v1/status/leader", (c) => c.json(this.leader));
    app.get("/v1/status/peers", (c) => c.json([this.leader]));
    app.get("/v1/internal/federation-state/:dc", (c) => c.body(null, 404));
  }

  #catalogRoutes(app: Hono): void {
    app.get("/v1/catalog/datacenters", (c) => c.json(this.datacenters));
    app.get("/v1/catalog/nodes", (c) => c.json(this.nodes));
    app.get("/v1/catalog/services", (c) => c.json(this.catalogServices));
    app.get(
      "/v1/catalog/service/:name",
      (c) => c.json(this.serviceInstances[c.req.param("name")] ?? []),
    );
    app.get("/v1/catalog/node/:node", (c) => {
      const node = this.nodes.find((n) => n.Node === c.req.param("node"));
      if (!node) return c.json(null);
      return c.json({ Node: node, Services: this.nodeServices[node.Node] ?? {} });
    });
    app.get("/v1/health/service/:name", (c) => c.json([]));
  }

  async #kvGet(c: Context): Promise<Response> {
    const key = kvKey(c);
    const index = Number(c.req.query("index") ?? "0");
    if (index > 0 && index >= this.index) {
      const changed = new Promise<void>((resolve) => this.#changed.push(resolve));
      for (const parked of this.#onPark.splice(0)) parked();
      await changed;
      c.header("X-Consul-Index", String(this.index));
    }
    if (c.req.query("keys") !== undefined) {
      const keys = this.#keys(key, c.req.query("separator") ?? "");
      return keys.length === 0 ? c.body(null, 404) : c.json(keys);
    }
    const recurse = c.req.query("recurse") !== undefined;
    const matches = [...this.kv.keys()].sort().filter((k) =>
      recurse ? k.startsWith(key) : k === key
    );
    if (matches.length === 0) return c.body(null, 404);
    return c.json(matches.map((k) => wirePair(k, this.kv.get(k)!)));
  }

  #keys(prefix: string, separator: string): string[] {
    const result = new Set<string>();
    for (const key of [...this.kv.keys()].sort()) {
      if (!key.startsWith(prefix)) continue;
      const at = separator ? key.indexOf(separator, prefix.length) : -1;
      result.add(at === -1 ? key : key.slice(0, at + separator.length));
    }
    return [...result];
  }

  #bodyOf(c: Context): Uint8Array {
    return this.#bodies.get(c.req.raw) ?? new Uint8Array(0);
  }

  #kvPut(c: Context): Response {
    const key = kvKey(c);
    const existing = this.kv.get(key);
    const cas = c.req.query("cas");
    if (cas !== undefined && (existing?.modifyIndex ?? 0) !== Number(cas)) return c.json(false);
    const acquire = c.req.query("acquire");
    const release = c.req.query("release");
    if (acquire && existing?.session && existing.session !== acquire) return c.json(false);
    if (release && existing?.session !== release) return c.json(false);
    this.#bump();
    const entry: KvEntry = existing ?? {
      value: new Uint8Array(0),
      flags: 0,
      createIndex: this.index,
      modifyIndex: this.index,
      lockIndex: 0,
      session: "",
    };
    entry.value = this.#bodyOf(c);
    entry.flags = Number(c.req.query("flags") ?? "0");
    entry.modifyIndex = this.index;
    if (acquire && entry.session !== acquire) {
      entry.session = acquire;
      entry.lockIndex++;
    }
    if (release) entry.session = "";
    this.kv.set(key, entry);
    return c.json(true);
  }

  #kvDelete(c: Context): Response {
    const key = kvKey(c);
    const cas = c.req.query("cas");
    if (cas !== undefined && this.kv.get(key)?.modifyIndex !== Number(cas)) return c.json(false);
    const recurse = c.req.query("recurse") !== undefined;
    for (const k of [...this.kv.keys()]) {
      if (recurse ? k.startsWith(key) : k === key) this.kv.delete(k);
    }
    this.#bump();
    return c.json(true);
  }
}

function kvKey(c: Context): string {
  const path = new URL(c.req.url).pathname.slice("/v1/kv/".length);
  return path.split("/").map(decodeURIComponent).join("/");
}

function wirePair(key: string, entry: KvEntry) {
  let binary = "";
  for (const byte of entry.value) binary += String.fromCharCode(byte);
  return {
    Key: key,
    CreateIndex: entry.createIndex,
    ModifyIndex: entry.modifyIndex,
    LockIndex: entry.lockIndex,
    Flags: entry.flags,
    Value: entry.value.byteLength === 0 ? null : btoa(binary),
    ...(entry.session ? { Session: entry.session } : {}),
  };
}

/** Starts a fake agent. */
export async function startFakeConsul(): Promise<FakeConsul> {
  return await new FakeConsul().start();
}

/** A port that was just free: bound, read, released. Nothing listens there afterwards. */
export async function closedPort(): Promise<number> {
  const runtime = await currentRuntime();
  const listener = await runtime.net.listenTcp({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr;
  await listener.close();
  return port;
}
