import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Endpoints, sessionTtlMs } from "../../src/endpoints/mod.ts";
import { createSeededRandom, randomUuid } from "../../src/runtime/random.ts";
import { applyCommand, StateStore } from "../../src/state/mod.ts";
import { FakeClock } from "../_support/fake_clock.ts";
import { Server, track, waitFor } from "./_helpers.ts";

describe("Session endpoints", () => {
  test("create returns a UUID, stores the session and arms its TTL timer", async () => {
    const server = new Server();
    await server.register("n1");
    const id = await server.call("Session.Apply", {
      Op: "create",
      Session: { Node: "n1", Name: "lock", TTL: "15s", Behavior: "delete" },
    });
    assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const reply = await server.call("Session.Get", { SessionID: id });
    assert.equal(reply.Sessions.length, 1);
    assert.equal(reply.Sessions[0].Behavior, "delete");
    assert.equal(reply.Sessions[0].TTL, "15s");
    assert.deepEqual(server.timers.resets, [[id, 15_000]]);
  });

  test("create refuses TTLs outside 10s..24h with Consul's text, and bad behaviors", async () => {
    const server = new Server();
    await server.register("n1");
    const create = (session: Record<string, unknown>) =>
      server.call("Session.Apply", { Op: "create", Session: { Node: "n1", ...session } });
    await assert.rejects(
      create({ TTL: "5s" }),
      { message: "Session TTL '5s' invalid: must be between 10s and 24h0m0s" },
    );
    await assert.rejects(
      create({ TTL: "25h" }),
      { message: "Session TTL '25h' invalid: must be between 10s and 24h0m0s" },
    );
    await assert.rejects(create({ TTL: "soon" }), /Session TTL 'soon' invalid: time: invalid/);
    await assert.rejects(create({ Behavior: "explode" }), {
      message: "Invalid Behavior setting 'explode'",
    });
    await assert.rejects(
      server.call("Session.Apply", { Op: "create", Session: {} }),
      { message: "Must provide Node" },
    );
    await assert.rejects(
      server.call("Session.Apply", { Op: "create", Session: { Node: "ghost" } }),
      { message: "Missing node registration" },
    );
    assert.ok(await create({ TTL: "0s" }), "a zero TTL means no TTL");
  });

  test("session_ttl_min is configurable", async () => {
    const server = new Server({ sessionTtlMinMs: 1_000 });
    await server.register("n1");
    const id = await server.call("Session.Apply", {
      Op: "create",
      Session: { Node: "n1", TTL: "5s" },
    });
    assert.equal(typeof id, "string");
    assert.throws(() => sessionTtlMs("500ms", 1_000), /must be between 1s and 24h0m0s/);
  });

  test("List, NodeSessions, Renew and destroy", async () => {
    const server = new Server();
    await server.register("n1");
    await server.register("n2");
    const a = await server.call("Session.Apply", {
      Op: "create",
      Session: { Node: "n1", TTL: "20s" },
    });
    await server.call("Session.Apply", { Op: "create", Session: { Node: "n2" } });
    const all = await server.call("Session.List", {});
    assert.equal(all.Sessions.length, 2);
    const onN1 = await server.call("Session.NodeSessions", { Node: "n1" });
    assert.deepEqual(onN1.Sessions.map((s: { ID: string }) => s.ID), [a]);
    const renewed = await server.call("Session.Renew", { SessionID: a });
    assert.equal(renewed.Sessions[0].ID, a);
    assert.deepEqual(server.timers.resets, [[a, 20_000], [a, 20_000]]);
    assert.equal(await server.call("Session.Apply", { Op: "destroy", Session: { ID: a } }), a);
    assert.deepEqual(server.timers.clears, [a]);
    const gone = await server.call("Session.Renew", { SessionID: a });
    assert.deepEqual(gone.Sessions, []);
    await assert.rejects(
      server.call("Session.Apply", { Op: "destroy", Session: {} }),
      { message: "Must provide ID" },
    );
  });

  test("a blocking Session.Get wakes when the session is destroyed", async () => {
    const server = new Server();
    await server.register("n1");
    const id = await server.call("Session.Apply", { Op: "create", Session: { Node: "n1" } });
    const first = await server.call("Session.Get", { SessionID: id });
    const query = track(server.call("Session.Get", { SessionID: id, MinQueryIndex: first.Index }));
    await waitFor(() => server.clock.pendingTimers === 1, "the query to wait");
    await server.call("Session.Apply", { Op: "destroy", Session: { ID: id } });
    const reply = await query.promise;
    assert.deepEqual(reply.Sessions, []);
  });

  test("random UUIDs are version 4 and come from the Random port", () => {
    const a = randomUuid(createSeededRandom(1));
    const b = randomUuid(createSeededRandom(1));
    assert.equal(a, b);
    assert.match(a, /^[0-9a-f]{8}-[0-9a-f]{4}-4/);
  });
});

describe("Status and Coordinate endpoints", () => {
  test("Ping answers; Leader and Peers name this server", async () => {
    const server = new Server();
    assert.equal(await server.call("Status.Ping", {}), null);
    assert.equal(await server.call("Status.Leader", {}), "10.0.0.1:8300");
    assert.deepEqual(await server.call("Status.Peers", {}), ["10.0.0.1:8300"]);
    const leaderless = new Server({ knownLeader: () => false });
    assert.equal(await leaderless.call("Status.Leader", {}), "");
  });

  test("Coordinate.ListNodes and Coordinate.Node read stored coordinates", async () => {
    const server = new Server();
    await server.register("n1");
    const coord = { Vec: [0.1, 0.2], Error: 1.5, Adjustment: 0, Height: 0.01 };
    await server.apply({ type: "coordinate.batchUpdate", updates: [{ Node: "n1", Coord: coord }] });
    const list = await server.call("Coordinate.ListNodes", {});
    assert.equal(list.Coordinates.length, 1);
    assert.deepEqual(list.Coordinates[0].Coord, coord);
    const node = await server.call("Coordinate.Node", { Node: "n1" });
    assert.equal(node.Coordinates[0].Node, "n1");
  });
});

describe("Endpoints (in-process calls)", () => {
  test("typed calls reach the same handlers as the registry", async () => {
    const store = new StateStore();
    let index = 0;
    const endpoints = new Endpoints({
      store,
      clock: new FakeClock(),
      random: createSeededRandom(7),
      datacenter: "dc1",
      nodeName: "s1",
      serverAddr: "10.0.0.1:8300",
      knownLeader: () => true,
      apply: (command) => Promise.resolve(applyCommand(store, ++index, command)),
    });
    const value = new TextEncoder().encode("v");
    assert.equal(
      await endpoints.call("KVS.Apply", { Op: "set", DirEnt: { Key: "k", Value: value } }),
      true,
    );
    const reply = await endpoints.call("KVS.Get", { Key: "k" });
    assert.deepEqual(reply.Entries?.[0].Value, value);
    assert.equal(reply.Index, 1);
  });
});
