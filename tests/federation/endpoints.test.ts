import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Hono } from "hono";
import { EndpointError } from "../../src/endpoints/mod.ts";
import { FEDERATION_STATE_ROUTES } from "../../src/http/federation_states.ts";
import { HandlerContext } from "../../src/http/context.ts";
import type { ApiDeps } from "../../src/http/deps.ts";
import { EventBuffer } from "../../src/http/event_buffer.ts";
import { mountRoutes } from "../../src/http/router.ts";
import { gatewayDoc, type TestDc, waitFor, World } from "./_harness.ts";

function twoDcs() {
  const world = new World("dc1");
  return { world, dc1: world.add("dc1"), dc2: world.add("dc2") };
}

function upsert(state: Record<string, unknown> | null, extra: Record<string, unknown> = {}) {
  return { Op: "upsert", State: state, ...extra } as never;
}

describe("FederationState RPC endpoints", () => {
  test("Apply upsert in the primary stores the state and fills a missing UpdatedAt", async () => {
    const { world, dc1 } = twoDcs();
    const reply = await dc1.endpoints.call("FederationState.Apply", {
      Op: "upsert",
      State: {
        Datacenter: "dc2",
        MeshGateways: [gatewayDoc({ node: "gw", address: "10.0.2.1" }) as never],
      },
    });
    assert.equal(reply, true);
    const stored = dc1.store.federationStates.get("dc2").value!;
    assert.equal(stored.UpdatedAt, new Date(world.clock.now()).toISOString());
    assert.equal(stored.MeshGateways.length, 1);
    await dc1.endpoints.call(
      "FederationState.Apply",
      upsert({
        Datacenter: "dc3",
        UpdatedAt: "0001-01-01T00:00:00Z",
      }),
    );
    assert.equal(
      dc1.store.federationStates.get("dc3").value!.UpdatedAt,
      new Date(world.clock.now()).toISOString(),
      "Go's zero time means unset",
    );
    await dc1.endpoints.call(
      "FederationState.Apply",
      upsert({
        Datacenter: "dc4",
        UpdatedAt: "2020-02-02T02:02:02Z",
      }),
    );
    assert.equal(dc1.store.federationStates.get("dc4").value!.UpdatedAt, "2020-02-02T02:02:02Z");
  });

  test("Apply refuses a missing datacenter and an unknown operation with Consul's texts", async () => {
    const { dc1 } = twoDcs();
    const refused = async (body: unknown, text: string) => {
      await assert.rejects(
        dc1.endpoints.call("FederationState.Apply", body as never),
        (error: unknown) =>
          error instanceof EndpointError && error.kind === "bad_request" && error.message === text,
      );
    };
    await refused({ Op: "upsert" }, "invalid request: missing federation state datacenter");
    await refused(
      upsert({ Datacenter: "" }),
      "invalid request: missing federation state datacenter",
    );
    await refused(
      { Op: "frob", State: { Datacenter: "dc2" } },
      "Invalid federation state operation: frob",
    );
    await refused(
      upsert({ Datacenter: "dc2", MeshGateways: "nope" }),
      "Invalid argument: State.MeshGateways must be a list of CheckServiceNode",
    );
    assert.deepEqual(dc1.stateNames(), []);
  });

  test("Apply in a secondary is forwarded to the primary", async () => {
    const { world, dc1, dc2 } = twoDcs();
    const reply = await dc2.endpoints.call("FederationState.Apply", upsert({ Datacenter: "dc2" }));
    assert.equal(reply, true);
    assert.deepEqual(world.calls, ["dc1:FederationState.Apply"]);
    assert.deepEqual(dc1.stateNames(), ["dc2"]);
    assert.deepEqual(dc2.stateNames(), []);
    await dc2.endpoints.call("FederationState.Apply", {
      Op: "delete",
      State: { Datacenter: "dc2" },
    });
    assert.deepEqual(dc1.stateNames(), []);
  });

  test("Get answers the record with query meta, null when absent, and blocks on an index", async () => {
    const { dc1 } = twoDcs();
    await dc1.putState("dc2", []);
    const found = await dc1.endpoints.call("FederationState.Get", { StateDatacenter: "dc2" });
    assert.equal(found.State?.Datacenter, "dc2");
    assert.equal(found.Index, dc1.store.tableIndex("federation-states"));
    assert.equal(found.KnownLeader, true);
    const missing = await dc1.endpoints.call("FederationState.Get", { StateDatacenter: "dc9" });
    assert.equal(missing.State, null);

    let answered = false;
    const blocked = dc1.endpoints.call("FederationState.Get", {
      StateDatacenter: "dc2",
      MinQueryIndex: found.Index,
    }).then((reply) => {
      answered = true;
      return reply;
    });
    await dc1.putState("dc3", []);
    await waitFor(() => answered, "the blocking query to answer");
    assert.ok((await blocked).Index > found.Index);
  });

  test("Get routes by Datacenter and reads the StateDatacenter record there", async () => {
    const { world, dc1, dc2 } = twoDcs();
    await dc2.putState("dc1", [gatewayDoc({ node: "gw1", address: "10.0.1.1" })]);
    const reply = await dc1.endpoints.call("FederationState.Get", {
      Datacenter: "dc2",
      StateDatacenter: "dc1",
    });
    assert.deepEqual(world.calls, ["dc2:FederationState.Get"]);
    assert.equal(reply.State?.MeshGateways.length, 1);
  });

  test("List answers [] when empty and every state by datacenter otherwise", async () => {
    const { dc1 } = twoDcs();
    const empty = await dc1.endpoints.call("FederationState.List", {});
    assert.deepEqual(empty.States, []);
    await dc1.putState("dc2", []);
    await dc1.putState("dc1", []);
    const all = await dc1.endpoints.call("FederationState.List", {});
    assert.deepEqual(all.States.map((state) => state.Datacenter), ["dc1", "dc2"]);
  });

  test("ListMeshGateways maps only datacenters that have gateways", async () => {
    const { dc1 } = twoDcs();
    await dc1.putState("dc1", [gatewayDoc({ node: "gw1", address: "10.0.1.1" })]);
    await dc1.putState("dc2", []);
    const reply = await dc1.endpoints.call("FederationState.ListMeshGateways", {});
    assert.deepEqual(Object.keys(reply.DatacenterNodes), ["dc1"]);
    assert.equal((reply.DatacenterNodes.dc1[0] as any).Node.Node, "gw1");
  });
});

/** The federation routes on a Hono app whose RPC calls go to `dc`'s endpoints. */
function appFor(dc: TestDc): Hono {
  const deps = {
    rpc: {
      call: (method: string, args: unknown, signal: AbortSignal) =>
        dc.endpoints.call(method as never, args as never, { signal }),
    },
    identity: { datacenter: dc.name, primaryDatacenter: dc.world.primary },
    clock: dc.world.clock,
    random: dc.world.random,
  } as unknown as ApiDeps;
  const events = new EventBuffer(dc.world.random);
  const app = new Hono();
  mountRoutes(app, FEDERATION_STATE_ROUTES, (req) => new HandlerContext(req, deps, events));
  return app;
}

async function get(app: Hono, path: string) {
  const res = await app.request(`http://127.0.0.1:8500${path}`);
  return { res, text: await res.text() };
}

describe("federation state HTTP API", () => {
  test("GET /v1/internal/federation-states answers Consul's JSON array with blocking headers", async () => {
    const { dc1 } = twoDcs();
    const app = appFor(dc1);
    const empty = await get(app, "/v1/internal/federation-states");
    assert.equal(empty.res.status, 200);
    assert.equal(empty.text, "[]");
    assert.equal(empty.res.headers.get("X-Consul-Index"), "1");
    await dc1.putState("dc1", [gatewayDoc({ node: "gw1", address: "10.0.1.1" })]);
    await dc1.putState("dc2", []);
    const { res, text } = await get(app, "/v1/internal/federation-states");
    assert.equal(res.headers.get("Content-Type"), "application/json");
    assert.equal(res.headers.get("X-Consul-KnownLeader"), "true");
    assert.equal(res.headers.get("X-Consul-LastContact"), "0");
    assert.equal(
      res.headers.get("X-Consul-Index"),
      String(dc1.store.tableIndex("federation-states")),
    );
    const states = JSON.parse(text);
    assert.deepEqual(Object.keys(states[0]), [
      "Datacenter",
      "MeshGateways",
      "UpdatedAt",
      "PrimaryModifyIndex",
      "CreateIndex",
      "ModifyIndex",
    ]);
    assert.equal(states[1].Datacenter, "dc2");
    assert.equal("MeshGateways" in states[1], false, "omitempty like Consul");
  });

  test("?index= blocks until the federation states change", async () => {
    const { dc1 } = twoDcs();
    await dc1.putState("dc1", []);
    const app = appFor(dc1);
    const index = dc1.store.tableIndex("federation-states");
    let done = false;
    const pending = get(app, `/v1/internal/federation-states?index=${index}`).then((r) => {
      done = true;
      return r;
    });
    await waitFor(() => dc1.store.watchedKeyCount > 0, "the query to block");
    assert.equal(done, false);
    await dc1.putState("dc2", []);
    const { res, text } = await pending;
    assert.equal(Number(res.headers.get("X-Consul-Index")) > index, true);
    assert.equal(JSON.parse(text).length, 2);
  });

  test("GET /v1/internal/federation-state/<dc> answers State with meta, 404 and 400", async () => {
    const { dc1 } = twoDcs();
    await dc1.putState("dc2", [gatewayDoc({ node: "gw5", address: "10.0.2.1" })]);
    const app = appFor(dc1);
    const { res, text } = await get(app, "/v1/internal/federation-state/dc2");
    assert.equal(res.status, 200);
    const body = JSON.parse(text);
    assert.equal(body.State.Datacenter, "dc2");
    assert.equal(body.State.MeshGateways[0].Node.Node, "gw5");
    assert.equal(body.Index, dc1.store.tableIndex("federation-states"));
    assert.equal(body.KnownLeader, true);
    assert.equal(res.headers.get("X-Consul-Index"), String(body.Index));
    const missing = await get(app, "/v1/internal/federation-state/dc7");
    assert.equal(missing.res.status, 404);
    assert.equal(missing.text, "");
    const noName = await get(app, "/v1/internal/federation-state/");
    assert.equal(noName.res.status, 400);
    assert.equal(noName.text, "Missing datacenter name");
  });

  test("?dc= picks the datacenter that answers the federation-state read", async () => {
    const { world, dc1, dc2 } = twoDcs();
    await dc2.putState("dc1", []);
    const { res } = await get(appFor(dc1), "/v1/internal/federation-state/dc1?dc=dc2");
    assert.equal(res.status, 200);
    assert.deepEqual(world.calls, ["dc2:FederationState.Get"]);
  });

  test("GET /v1/internal/federation-states/mesh-gateways maps datacenters to gateways", async () => {
    const { dc1 } = twoDcs();
    const app = appFor(dc1);
    assert.equal((await get(app, "/v1/internal/federation-states/mesh-gateways")).text, "{}");
    await dc1.putState("dc1", [gatewayDoc({ node: "gw1", address: "10.0.1.1" })]);
    await dc1.putState("dc2", []);
    const { res, text } = await get(app, "/v1/internal/federation-states/mesh-gateways");
    assert.equal(res.status, 200);
    const body = JSON.parse(text);
    assert.deepEqual(Object.keys(body), ["dc1"]);
    assert.equal(body.dc1[0].Service.Kind, "mesh-gateway");
    const put = await app.request("http://127.0.0.1:8500/v1/internal/federation-states", {
      method: "PUT",
    });
    assert.equal(put.status, 405);
  });
});
