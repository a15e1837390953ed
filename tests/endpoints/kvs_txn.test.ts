import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { EndpointError } from "../../src/endpoints/mod.ts";
import { MAX_KV_VALUE_BYTES, MAX_TXN_OPS } from "../../src/state/mod.ts";
import { Server, text } from "./_helpers.ts";

const bytes = (value: string) => new TextEncoder().encode(value);

describe("KVS endpoints", () => {
  test("set then Get returns the entry with its value bytes and index", async () => {
    const server = new Server();
    assert.equal(await server.put("a/b", "hello"), true);
    const reply = await server.call("KVS.Get", { Key: "a/b" });
    assert.equal(reply.Entries.length, 1);
    assert.equal(text(reply.Entries[0].Value), "hello");
    assert.equal(reply.Index, reply.Entries[0].ModifyIndex);
    const missing = await server.call("KVS.Get", { Key: "nope" });
    assert.equal(missing.Entries, null);
  });

  test("cas succeeds only at the current ModifyIndex", async () => {
    const server = new Server();
    await server.put("k", "1");
    const { Entries } = await server.call("KVS.Get", { Key: "k" });
    const stale = { Op: "cas", DirEnt: { Key: "k", Value: bytes("x"), ModifyIndex: 999 } };
    assert.equal(await server.call("KVS.Apply", stale), false);
    const fresh = {
      Op: "cas",
      DirEnt: { Key: "k", Value: bytes("2"), ModifyIndex: Entries[0].ModifyIndex },
    };
    assert.equal(await server.call("KVS.Apply", fresh), true);
    const after = await server.call("KVS.Get", { Key: "k" });
    assert.equal(text(after.Entries[0].Value), "2");
  });

  test("lock and unlock follow the session; a second session cannot take a held lock", async () => {
    const server = new Server();
    await server.register("n1");
    const s1 = await server.call("Session.Apply", { Op: "create", Session: { Node: "n1" } });
    const s2 = await server.call("Session.Apply", { Op: "create", Session: { Node: "n1" } });
    const lock = (session: string) =>
      server.call("KVS.Apply", { Op: "lock", DirEnt: { Key: "leader", Session: session } });
    assert.equal(await lock(s1), true);
    assert.equal(await lock(s2), false);
    const held = await server.call("KVS.Get", { Key: "leader" });
    assert.equal(held.Entries[0].Session, s1);
    assert.equal(held.Entries[0].LockIndex, 1);
    const unlock = { Op: "unlock", DirEnt: { Key: "leader", Session: s1 } };
    assert.equal(await server.call("KVS.Apply", unlock), true);
    assert.equal(await lock(s2), true);
  });

  test("delete, delete-tree and delete-cas remove keys; List and ListKeys read prefixes", async () => {
    const server = new Server();
    for (const key of ["web/a", "web/b/c", "web/b/d", "db/x"]) await server.put(key, key);
    const list = await server.call("KVS.List", { Key: "web/" });
    assert.deepEqual(list.Entries.map((e: { Key: string }) => e.Key), [
      "web/a",
      "web/b/c",
      "web/b/d",
    ]);
    const keys = await server.call("KVS.ListKeys", { Prefix: "web/", Seperator: "/" });
    assert.deepEqual(keys.Keys, ["web/a", "web/b/"]);
    await server.call("KVS.Apply", { Op: "delete", DirEnt: { Key: "web/a" } });
    await server.call("KVS.Apply", { Op: "delete-tree", DirEnt: { Key: "web/b/" } });
    const gone = await server.call("KVS.List", { Key: "web/" });
    assert.equal(gone.Entries, null);
    const db = await server.call("KVS.Get", { Key: "db/x" });
    const casDelete = (index: number) =>
      server.call("KVS.Apply", { Op: "delete-cas", DirEnt: { Key: "db/x", ModifyIndex: index } });
    assert.equal(await casDelete(db.Entries[0].ModifyIndex + 100), false);
    assert.equal(await casDelete(db.Entries[0].ModifyIndex), true);
  });

  test("Apply refuses unknown ops, missing keys and values over the size limit", async () => {
    const server = new Server();
    await assert.rejects(
      server.call("KVS.Apply", { Op: "frob", DirEnt: { Key: "a" } }),
      /Invalid KVS operation "frob"/,
    );
    await assert.rejects(
      server.call("KVS.Apply", { Op: "set", DirEnt: { Key: "" } }),
      /^EndpointError: Must provide key$|Must provide key/,
    );
    await assert.rejects(
      server.call("KVS.Apply", {
        Op: "set",
        DirEnt: { Key: "big", Value: new Uint8Array(MAX_KV_VALUE_BYTES + 1) },
      }),
      (error: unknown) => error instanceof EndpointError && error.kind === "too_large",
    );
  });
});

describe("Txn endpoints", () => {
  test("Apply commits KV and catalog operations together and answers results", async () => {
    const server = new Server();
    const reply = await server.call("Txn.Apply", {
      Ops: [
        { KV: { Verb: "set", DirEnt: { Key: "t/a", Value: bytes("1") } } },
        { Node: { Verb: "set", Node: { Node: "n9", Address: "10.9.9.9" } } },
        { Service: { Verb: "set", Node: "n9", Service: { Service: "api", Port: 9 } } },
      ],
    });
    assert.equal(reply.Errors, null);
    assert.equal(reply.Results.length, 3);
    assert.equal(reply.Results[0].KV.Key, "t/a");
    assert.equal(reply.Results[2].Service.Service, "api");
    const got = await server.call("KVS.Get", { Key: "t/a" });
    assert.equal(text(got.Entries[0].Value), "1");
  });

  test("a failing operation rolls back the transaction and reports Consul's TxnError", async () => {
    const server = new Server();
    const reply = await server.call("Txn.Apply", {
      Ops: [
        { KV: { Verb: "set", DirEnt: { Key: "t/a", Value: bytes("1") } } },
        { KV: { Verb: "cas", DirEnt: { Key: "t/b", ModifyIndex: 77 } } },
      ],
    });
    assert.equal(reply.Results, null);
    assert.deepEqual(reply.Errors, [{
      OpIndex: 1,
      What: 'failed to set key "t/b", index is stale',
    }]);
    const got = await server.call("KVS.Get", { Key: "t/a" });
    assert.equal(got.Entries, null, "nothing from a rolled-back transaction is kept");
  });

  test("Apply refuses more operations than allowed as too_large", async () => {
    const server = new Server();
    const ops = Array.from({ length: MAX_TXN_OPS + 1 }, (_, i) => ({
      KV: { Verb: "set", DirEnt: { Key: `k${i}` } },
    }));
    await assert.rejects(server.call("Txn.Apply", { Ops: ops }), (error: unknown) => {
      assert.ok(error instanceof EndpointError);
      assert.equal(error.kind, "too_large");
      assert.equal(
        error.message,
        `Transaction contains too many operations (${MAX_TXN_OPS + 1} > ${MAX_TXN_OPS})`,
      );
      return true;
    });
    assert.equal(server.applied.length, 0);
  });

  test("Read answers read-only operations without a write and refuses writes", async () => {
    const server = new Server();
    await server.put("r/a", "1");
    const writes = server.applied.length;
    const reply = await server.call("Txn.Read", {
      Ops: [{ KV: { Verb: "get", DirEnt: { Key: "r/a" } } }],
    });
    assert.equal(text(reply.Results[0].KV.Value), "1");
    assert.equal(reply.KnownLeader, true);
    assert.equal(server.applied.length, writes);
    await assert.rejects(
      server.call("Txn.Read", { Ops: [{ KV: { Verb: "set", DirEnt: { Key: "r/b" } } }] }),
      /Read-only transactions/,
    );
  });
});
