/**
 * Test harness: a real state store with direct apply, the server endpoints registered on a
 * real RPC registry, a LocalAgent/LocalState synced to that catalog, and the API built on them.
 * Time is a {@linkcode FakeClock}; randomness is seeded.
 */

import { CheckManager, type HttpProber } from "../../src/agent/checks/mod.ts";
import { LocalAgent, LocalState } from "../../src/agent/local/mod.ts";
import { registerEndpoints } from "../../src/endpoints/mod.ts";
import { createApi, LocalChangeFeed, selfMember, type ServerRpc } from "../../src/http/mod.ts";
import type { ApiDeps } from "../../src/http/mod.ts";
import { RpcRegistry } from "../../src/rpc/endpoints.ts";
import type { Clock } from "../../src/runtime/ports.ts";
import { createSeededRandom } from "../../src/runtime/random.ts";
import { applyCommand, type Command, StateStore } from "../../src/state/mod.ts";
import { RpcCatalogSync } from "../../src/agent/catalog_sync.ts";
import { FakeClock } from "../_support/fake_clock.ts";

/** The agent's node name in every test. */
export const NODE = "node1";
/** The agent's datacenter in every test. */
export const DC = "dc1";

const UNUSED_PROBER: HttpProber = {
  probe: () => Promise.reject(new Error("HTTP checks are not used in these tests")),
} as unknown as HttpProber;

/** A ServerRpc that dispatches through the registry in-process. */
function registryRpc(registry: RpcRegistry): ServerRpc {
  let seq = 0;
  return {
    call: (method, args, signal) =>
      registry.dispatch({ method, seq: ++seq, body: args }, {
        signal,
        method,
        remoteAddr: { hostname: "127.0.0.1", port: 0 },
      }),
  };
}

/** One agent-and-server with its API. */
export class TestAgent {
  readonly store = new StateStore();
  readonly registry = new RpcRegistry();
  readonly random = createSeededRandom(7);
  readonly changes = new LocalChangeFeed();
  readonly rpc: ServerRpc;
  readonly state: LocalState;
  readonly agent: LocalAgent;
  readonly checks: CheckManager;
  readonly app: ReturnType<typeof createApi>;
  #index = 0;

  /** @param clock A fake clock by default; a real one for socket tests. */
  constructor(readonly clock: Clock = new FakeClock(), options: Partial<ApiDeps> = {}) {
    registerEndpoints(this.registry, {
      store: this.store,
      clock,
      random: this.random,
      apply: (command) => Promise.resolve(this.apply(command)),
      datacenter: DC,
      nodeName: NODE,
      serverAddr: "127.0.0.1:8300",
      knownLeader: () => true,
    });
    this.rpc = registryRpc(this.registry);
    this.state = new LocalState(
      {
        nodeName: NODE,
        nodeId: "0b9a4c1e-8a56-4b8e-9d3e-1f2a3b4c5d6e",
        address: "127.0.0.1",
        datacenter: DC,
      },
      { clock, random: this.random, catalog: new RpcCatalogSync(this.rpc, DC) },
    );
    this.state.setSyncTrigger(() => this.changes.notify());
    this.checks = new CheckManager({
      clock,
      random: this.random,
      net: { dialTcp: () => Promise.reject(new Error("no TCP checks in these tests")) },
      process: {
        runCommand: () => Promise.reject(new Error("no script checks in these tests")),
      },
      prober: UNUSED_PROBER,
      notifier: this.state,
    });
    this.agent = new LocalAgent({ state: this.state, checks: this.checks }, { nodeName: NODE });
    this.app = createApi({
      rpc: this.rpc,
      agent: this.agent,
      state: this.state,
      identity: {
        datacenter: DC,
        primaryDatacenter: DC,
        nodeName: NODE,
        nodeId: "0b9a4c1e-8a56-4b8e-9d3e-1f2a3b4c5d6e",
        server: true,
        version: "1.21.0",
        revision: "test",
        buildDate: "2026-01-01T00:00:00Z",
      },
      clock,
      random: this.random,
      self: selfMember({
        nodeName: NODE,
        address: "127.0.0.1",
        serfLanPort: 8301,
        datacenter: DC,
        nodeId: "0b9a4c1e-8a56-4b8e-9d3e-1f2a3b4c5d6e",
        server: true,
        version: "1.21.0",
        rpcPort: 8300,
      }),
      localChanges: this.changes,
      ...options,
    });
    // What the leader does for every live member: the node with its serfHealth check.
    this.apply({
      type: "catalog.register",
      nowMs: clock.now(),
      node: { Node: NODE, Address: "127.0.0.1", Datacenter: DC },
      checks: [{
        CheckID: "serfHealth",
        Name: "Serf Health Status",
        Status: "passing",
        Output: "Agent alive and reachable",
      }],
    });
  }

  /** Applies a command at the next index, as a committed Raft entry would. */
  apply<C extends Command>(command: C) {
    return applyCommand(this.store, ++this.#index, command);
  }

  /** Sends a request to the API (no socket). */
  request(path: string, init: RequestInit = {}): Promise<Response> {
    return Promise.resolve(this.app.request(`http://127.0.0.1:8500${path}`, init));
  }

  /** PUT with an optional JSON or raw body. */
  put(path: string, body?: unknown): Promise<Response> {
    const raw = body === undefined
      ? undefined
      : typeof body === "string" || body instanceof Uint8Array
      ? body
      : JSON.stringify(body);
    return this.request(path, { method: "PUT", body: raw as BodyInit | undefined });
  }

  /** GET and decode JSON, failing on a non-200 answer. */
  async getJson(path: string): Promise<unknown> {
    const res = await this.request(path);
    const text = await res.text();
    if (res.status !== 200) throw new Error(`GET ${path} answered ${res.status}: ${text}`);
    return JSON.parse(text);
  }
}

/** Lets pending promise callbacks run. */
export async function settle(turns = 50): Promise<void> {
  for (let turn = 0; turn < turns; turn++) await new Promise((resolve) => setTimeout(resolve, 0));
}
