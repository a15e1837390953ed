import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  blockingQuery,
  EndpointError,
  MAX_QUERY_TIME_MS,
  queryTimeMs,
} from "../../src/endpoints/mod.ts";
import { Server, settle, track, waitFor } from "./_helpers.ts";

const WAIT_MS = 60_000;
const WAIT_WITH_JITTER_MS = WAIT_MS + WAIT_MS / 16;

async function blockedOnNodes(server: Server, extra: Record<string, unknown> = {}) {
  const { Index } = await server.call("Catalog.ListNodes", {});
  const watchedBefore = server.store.watchedKeyCount;
  const query = track(server.call("Catalog.ListNodes", {
    MinQueryIndex: Index,
    MaxQueryTime: WAIT_MS,
    ...extra,
  }));
  await waitFor(() => server.store.watchedKeyCount > watchedBefore, "the query to start waiting");
  return { index: Index, query };
}

describe("blocking queries", () => {
  test("a query without MinQueryIndex answers at once with index 1 on an empty store", async () => {
    const server = new Server();
    const reply = await server.call("Catalog.ListNodes", {});
    assert.deepEqual(reply.Nodes, []);
    assert.equal(reply.Index, 1);
    assert.equal(reply.KnownLeader, true);
    assert.equal(reply.LastContact, 0);
    assert.equal(reply.ConsistencyLevel, "leader");
  });

  test("a query whose MinQueryIndex is older than the data answers at once", async () => {
    const server = new Server();
    await server.register("n1");
    await server.register("n2");
    const reply = await server.call("Catalog.ListNodes", { MinQueryIndex: 1 });
    assert.equal(reply.Index, 2);
    assert.equal(reply.Nodes.length, 2);
    assert.equal(server.clock.pendingTimers, 0, "the timer is canceled when the query returns");
  });

  test("a waiting query wakes on a write to what it read and answers the new index", async () => {
    const server = new Server();
    await server.register("n1");
    const { index, query } = await blockedOnNodes(server);
    await settle();
    assert.equal(query.settled(), false, "the query waits while nothing changed");
    await server.register("n2");
    const reply = await query.promise;
    assert.ok(reply.Index > index);
    assert.deepEqual(reply.Nodes.map((node: { Node: string }) => node.Node), ["n1", "n2"]);
    assert.equal(server.clock.pendingTimers, 0);
  });

  test("a waiting query does not wake on an unrelated write, and times out with the old index", async () => {
    const server = new Server();
    await server.register("n1");
    const { index, query } = await blockedOnNodes(server);
    await server.put("unrelated", "x");
    await settle();
    assert.equal(query.settled(), false, "a KV write must not wake a node listing");
    server.clock.advance(WAIT_MS - 1);
    await settle();
    assert.equal(query.settled(), false, "no answer before MaxQueryTime");
    server.clock.advance(WAIT_WITH_JITTER_MS);
    const reply = await query.promise;
    assert.equal(reply.Index, index);
    assert.equal(reply.Nodes.length, 1);
  });

  test("the abort signal ends a waiting query with an aborted error", async () => {
    const server = new Server();
    await server.register("n1");
    const controller = new AbortController();
    const { Index } = await server.call("Catalog.ListNodes", {});
    const query = track(server.call(
      "Catalog.ListNodes",
      { MinQueryIndex: Index },
      controller.signal,
    ));
    await waitFor(() => server.clock.pendingTimers === 1, "the query timer");
    controller.abort(new Error("caller left"));
    await assert.rejects(query.promise, (error: unknown) => {
      assert.ok(error instanceof EndpointError);
      assert.equal(error.kind, "aborted");
      return true;
    });
    assert.equal(server.clock.pendingTimers, 0, "the timer is canceled on abort");
    assert.equal(server.store.watchedKeyCount, 0, "the watch is released on abort");
  });

  test("a query whose MinQueryIndex is ahead of the data (index went backwards) answers at once", async () => {
    const server = new Server();
    await server.register("n1");
    const reply = await server.call("Catalog.ListNodes", { MinQueryIndex: 500 });
    assert.equal(reply.Index, 1);
    assert.equal(server.clock.pendingTimers, 0);
  });

  test("MaxQueryTime defaults to 5 minutes and is capped at 10", () => {
    assert.equal(queryTimeMs(undefined), 5 * 60_000);
    assert.equal(queryTimeMs(0), 5 * 60_000);
    assert.equal(queryTimeMs(30_000), 30_000);
    assert.equal(queryTimeMs(60 * 60_000), MAX_QUERY_TIME_MS);
  });

  test("a query asking for an hour still times out within 10 minutes plus jitter", async () => {
    const server = new Server();
    await server.register("n1");
    const { query } = await blockedOnNodes(server, { MaxQueryTime: 60 * 60_000 });
    server.clock.advance(MAX_QUERY_TIME_MS + MAX_QUERY_TIME_MS / 16);
    const reply = await query.promise;
    assert.equal(reply.Nodes.length, 1);
  });

  test("a KV get blocks on its key and wakes when that key changes, not a sibling", async () => {
    const server = new Server();
    await server.put("app/a", "1");
    await server.put("app/b", "1");
    const first = await server.call("KVS.Get", { Key: "app/a" });
    const query = track(server.call("KVS.Get", { Key: "app/a", MinQueryIndex: first.Index }));
    await waitFor(() => server.clock.pendingTimers === 1, "the query to wait");
    await server.put("app/b", "2");
    await settle();
    assert.equal(query.settled(), false, "a sibling key must not wake the get");
    await server.put("app/a", "2");
    const reply = await query.promise;
    assert.equal(new TextDecoder().decode(reply.Entries[0].Value), "2");
    assert.ok(reply.Index > first.Index);
  });

  test("without a known leader a default read fails and a stale read answers", async () => {
    const server = new Server({ knownLeader: () => false });
    await assert.rejects(server.call("Catalog.ListNodes", {}), /No cluster leader/);
    const reply = await server.call("Catalog.ListNodes", { AllowStale: true });
    assert.equal(reply.KnownLeader, false);
    assert.equal(reply.ConsistencyLevel, "stale");
  });

  test("a consistent read asks the leader to verify itself first", async () => {
    let verified = 0;
    const server = new Server({ verifyLeader: () => Promise.resolve(void verified++) });
    const reply = await server.call("Catalog.ListNodes", { RequireConsistent: true });
    assert.equal(verified, 1);
    assert.equal(reply.ConsistencyLevel, "consistent");
  });
});

describe("many blocking queries", () => {
  const QUERY_COUNT = 10_000;

  test("10,000 waiting queries: an unrelated write wakes none, a watched write wakes all", async () => {
    const server = new Server();
    await server.register("n1");
    const { Index } = await server.call("Catalog.ListNodes", {});
    let answered = 0;
    const queries: Promise<unknown>[] = [];
    for (let i = 0; i < QUERY_COUNT; i++) {
      queries.push(
        server.call("Catalog.ListNodes", { MinQueryIndex: Index }).then((reply) => {
          answered++;
          return reply;
        }),
      );
    }
    await waitFor(
      () => server.clock.pendingTimers === QUERY_COUNT,
      "every query to arm its timer",
    );
    await server.put("unrelated", "x");
    await server.register("n1", { Service: { Service: "web" }, SkipNodeUpdate: true });
    await settle();
    assert.equal(answered, 0, "writes to other tables and unchanged node rows wake no query");
    await server.register("n2");
    const replies = await Promise.all(queries) as { Index: number; Nodes: unknown[] }[];
    assert.equal(answered, QUERY_COUNT);
    assert.ok(replies.every((reply) => reply.Index > Index && reply.Nodes.length === 2));
    assert.equal(server.clock.pendingTimers, 0, "every timer was canceled");
    assert.equal(server.store.watchedKeyCount, 0, "every watch was released");
  });
});

describe("blocking query cleanup", () => {
  test("a blocking read that throws releases its watch and timer", async () => {
    const server = new Server();
    const deps = { ...server, knownLeader: () => true };
    await assert.rejects(
      blockingQuery(deps, { MinQueryIndex: 5 }, (ws) => {
        server.store.catalog.nodes({}, ws);
        throw new Error("read failed");
      }),
      /read failed/,
    );
    assert.equal(server.store.watchedKeyCount, 0);
    assert.equal(server.clock.pendingTimers, 0);
  });
});
