/**
 * An in-process federation: each datacenter is a real StateStore with its real endpoints;
 * `callPrimary` and cross-DC forwarding are direct calls into the other datacenter's endpoints,
 * and a link can be cut. Time is a manual clock; randomness is seeded.
 *
 * @module
 */

import { FakeClock, settle } from "../_support/fake_clock.ts";
export { FakeClock, settle };
import { Endpoints } from "../../src/endpoints/mod.ts";
import type { EndpointDeps } from "../../src/endpoints/mod.ts";
import type { CallPrimaryFn } from "../../src/federation/mod.ts";
import type { Random } from "../../src/runtime/ports.ts";
import { createSeededRandom } from "../../src/runtime/random.ts";
import {
  applyCommand,
  type ApplyResult,
  type Command,
  type HealthStatus,
  StateStore,
} from "../../src/state/mod.ts";

/** Waits (in microtask turns) until `condition()` holds; fails naming `what` otherwise. */
export async function waitFor(condition: () => boolean, what: string): Promise<void> {
  for (let round = 0; round < 20; round++) {
    if (condition()) return;
    await settle();
  }
  throw new Error(`Timed out waiting for ${what}`);
}

/** How a test mesh gateway is registered. */
export interface GatewaySpec {
  readonly node: string;
  /** LAN address of the gateway service. */
  readonly address: string;
  readonly port?: number;
  /** WAN tagged address ("host:port") of the gateway service. */
  readonly wan?: string;
  /** Adds `consul-wan-federation=1` (default true). */
  readonly wanFederation?: boolean;
  readonly status?: HealthStatus;
}

/** Several datacenters in one process. */
export class World {
  readonly clock = new FakeClock();
  readonly random: Random = createSeededRandom(11);
  readonly dcs = new Map<string, TestDc>();
  /** Datacenters no call can reach (a cut WAN link). */
  readonly unreachable = new Set<string>();
  /** Every call made between datacenters, as "dc:method". */
  readonly calls: string[] = [];
  /** The body of every call, in the order of `calls`. */
  readonly bodies: unknown[] = [];

  constructor(readonly primary: string) {}

  /** Adds a datacenter. */
  add(name: string): TestDc {
    const dc = new TestDc(name, this);
    this.dcs.set(name, dc);
    return dc;
  }

  /** Calls `method` in datacenter `dc`, as the RPC through the gateways would. */
  call(dc: string, method: string, body: unknown, signal?: AbortSignal): Promise<unknown> {
    this.calls.push(`${dc}:${method}`);
    this.bodies.push(body);
    const target = this.dcs.get(dc);
    if (target === undefined) return Promise.reject(new Error("No path to datacenter"));
    if (this.unreachable.has(dc)) {
      return Promise.reject(new Error("Remote DC has no server currently reachable"));
    }
    return target.endpoints.call(method as never, body as never, { signal });
  }
}

/** One datacenter: a store, its endpoints, and a direct apply standing for Raft. */
export class TestDc {
  readonly store = new StateStore();
  readonly endpoints: Endpoints;
  readonly applied: Command[] = [];
  #index = 0;

  constructor(readonly name: string, readonly world: World) {
    const deps: EndpointDeps = {
      store: this.store,
      clock: world.clock,
      random: world.random,
      apply: (command) => this.apply(command) as never,
      datacenter: name,
      primaryDatacenter: world.primary,
      nodeName: `${name}-server`,
      serverAddr: "10.0.0.1:8300",
      knownLeader: () => true,
      forward: (dc, method, body, signal) => world.call(dc, method, body, signal),
    };
    this.endpoints = new Endpoints(deps);
  }

  /** Commits a command at the next index. */
  apply(command: Command): Promise<ApplyResult<unknown>> {
    this.applied.push(command);
    return Promise.resolve(applyCommand(this.store, ++this.#index, command));
  }

  /** Calls the primary from this datacenter. */
  readonly callPrimary: CallPrimaryFn = (method, body, signal) =>
    this.world.call(this.world.primary, method, body, signal);

  /** Registers a mesh gateway in this datacenter's catalog. */
  async registerGateway(spec: GatewaySpec): Promise<void> {
    const port = spec.port ?? 8443;
    const wan = spec.wan?.split(":");
    const result = await this.apply({
      type: "catalog.register",
      nowMs: this.world.clock.now(),
      node: { Node: spec.node, Address: spec.address, Datacenter: this.name },
      service: {
        ID: "mesh-gateway",
        Service: "mesh-gateway",
        Kind: "mesh-gateway",
        Address: spec.address,
        Port: port,
        Meta: spec.wanFederation === false ? {} : { "consul-wan-federation": "1" },
        TaggedAddresses: wan === undefined
          ? {}
          : { wan: { Address: wan[0], Port: Number(wan[1]) } },
      },
      checks: [{
        CheckID: "mesh-gateway-listening",
        Name: "mesh-gateway listening",
        Status: spec.status ?? "passing",
        ServiceID: "mesh-gateway",
      }],
    });
    if (!result.ok) throw result.error;
  }

  /** Sets the health of a gateway's check. */
  async setGatewayStatus(node: string, status: HealthStatus): Promise<void> {
    const result = await this.apply({
      type: "catalog.register",
      nowMs: this.world.clock.now(),
      node: { Node: node },
      skipNodeUpdate: true,
      checks: [{
        CheckID: "mesh-gateway-listening",
        Name: "mesh-gateway listening",
        Status: status,
        ServiceID: "mesh-gateway",
      }],
    });
    if (!result.ok) throw result.error;
  }

  /** Removes a gateway's node from the catalog. */
  async deregisterNode(node: string): Promise<void> {
    const result = await this.apply({
      type: "catalog.deregister",
      nowMs: this.world.clock.now(),
      node,
    });
    if (!result.ok) throw result.error;
  }

  /** Writes a federation state straight into this store. */
  async putState(datacenter: string, gateways: readonly object[], primaryIndex = 0) {
    const result = await this.apply({
      type: "federationState.upsert",
      state: {
        Datacenter: datacenter,
        MeshGateways: gateways as never,
        UpdatedAt: new Date(this.world.clock.now()).toISOString(),
        PrimaryModifyIndex: primaryIndex,
      },
    });
    if (!result.ok) throw result.error;
  }

  /** The datacenters this store holds federation states for. */
  stateNames(): string[] {
    return this.store.federationStates.list().value.map((state) => state.Datacenter);
  }
}

/** A mesh-gateway CheckServiceNode document, as a federation state carries it. */
export function gatewayDoc(spec: GatewaySpec & { nodeWan?: string }): Record<string, unknown> {
  const wan = spec.wan?.split(":");
  return {
    Node: {
      Node: spec.node,
      Address: spec.address,
      TaggedAddresses: spec.nodeWan === undefined ? {} : { wan: spec.nodeWan },
    },
    Service: {
      Kind: "mesh-gateway",
      ID: "mesh-gateway",
      Service: "mesh-gateway",
      Address: spec.address,
      Port: spec.port ?? 8443,
      Meta: spec.wanFederation === false ? {} : { "consul-wan-federation": "1" },
      TaggedAddresses: wan === undefined ? {} : { wan: { Address: wan[0], Port: Number(wan[1]) } },
    },
    Checks: [{ CheckID: "mesh-gateway-listening", Status: spec.status ?? "passing" }],
  };
}
