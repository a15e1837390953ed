import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { MAX_TXN_OPS, readTxn, type TxnOp } from "../../src/state/mod.ts";
import { b64, Harness, text } from "./_helpers.ts";

function txn(h: Harness, ops: TxnOp[]) {
  return h.ok({ type: "txn", nowMs: 0, ops });
}

describe("transactions", () => {
  it("applies every operation and returns results, blanking values of writes", () => {
    const h = new Harness();
    const response = txn(h, [
      { KV: { Verb: "set", Key: "a", Value: b64("1") } },
      { KV: { Verb: "cas", Key: "b", Value: b64("2"), Index: 0 } },
      { KV: { Verb: "get", Key: "a" } },
      { KV: { Verb: "check-not-exists", Key: "zzz" } },
    ]);
    assert.equal(response.Errors, null);
    const kv = response.Results!.map((result) => "KV" in result ? result.KV : null);
    assert.deepEqual(kv.map((row) => row!.Key), ["a", "b", "a"]);
    assert.equal(kv[0]!.Value, null, "writes return the entry without its value");
    assert.equal(text(kv[2]!.Value), "1");
    assert.equal(kv[0]!.ModifyIndex, 1);
  });

  it("rolls back everything when any operation fails and reports each failure", () => {
    const h = new Harness();
    h.put("existing", "old");
    const response = txn(h, [
      { KV: { Verb: "set", Key: "new", Value: b64("x") } },
      { KV: { Verb: "set", Key: "existing", Value: b64("changed") } },
      { KV: { Verb: "cas", Key: "existing", Index: 99 } },
      { KV: { Verb: "get", Key: "missing" } },
      { KV: { Verb: "check-index", Key: "existing", Index: 5 } },
    ]);
    assert.equal(response.Results, null);
    assert.deepEqual(response.Errors, [
      { OpIndex: 2, What: 'failed to set key "existing", index is stale' },
      { OpIndex: 3, What: 'key "missing" doesn\'t exist' },
      {
        OpIndex: 4,
        What: 'failed index check for key "existing", current modify index 2 != 5',
      },
    ]);
    assert.equal(h.store.kv.get("new").value, null);
    assert.equal(text(h.store.kv.get("existing").value!.Value), "old");
    assert.equal(h.store.tableIndex("kvs"), 1, "the table index did not move");
  });

  it("uses Consul's texts for lock, unlock, session and delete-cas failures", () => {
    const h = new Harness();
    h.register("n1");
    h.ok({ type: "session.create", session: { ID: "s1", Node: "n1" } });
    h.ok({ type: "session.create", session: { ID: "s2", Node: "n1" } });
    txn(h, [{ KV: { Verb: "lock", Key: "l", Session: "s1" } }]);
    const response = txn(h, [
      { KV: { Verb: "lock", Key: "l", Session: "s2" } },
      { KV: { Verb: "unlock", Key: "l", Session: "s2" } },
      { KV: { Verb: "check-session", Key: "l", Session: "s2" } },
      { KV: { Verb: "delete-cas", Key: "l", Index: 1 } },
      { Session: { Verb: "delete", Session: { ID: "nope" } } },
    ]);
    assert.deepEqual(response.Errors!.map((e) => e.What), [
      'failed to lock key "l", lock is already held',
      'failed to unlock key "l", lock isn\'t held, or is held by another session',
      'failed session check for key "l", current session "s1" != "s2"',
      'failed to delete key "l", index is stale',
      'failed to delete session: session "nope" doesn\'t exist',
    ]);
  });

  it("handles node, service and check operations with CAS", () => {
    const h = new Harness();
    const response = txn(h, [
      { Node: { Verb: "set", Node: { Node: "n1", Address: "10.0.0.1" } } },
      { Service: { Verb: "set", Node: "n1", Service: { Service: "web", Port: 80 } } },
      { Check: { Verb: "cas", Check: { Node: "n1", CheckID: "c", Status: "passing" } } },
    ]);
    assert.equal(response.Errors, null);
    assert.equal(response.Results!.length, 3);
    const stale = txn(h, [
      { Service: { Verb: "cas", Node: "n1", Service: { Service: "web", ModifyIndex: 99 } } },
      { Node: { Verb: "delete-cas", Node: { Node: "n1", ModifyIndex: 99 } } },
      { Check: { Verb: "get", Check: { Node: "n1", CheckID: "zz" } } },
    ]);
    assert.deepEqual(stale.Errors!.map((e) => e.What), [
      'failed to set service "web" on node "n1", index is stale',
      'failed to delete node "n1", index is stale',
      'check "zz" on node "n1" doesn\'t exist',
    ]);
    txn(h, [{ Node: { Verb: "delete-cas", Node: { Node: "n1", ModifyIndex: 1 } } }]);
    assert.equal(h.store.catalog.node("n1").value, null);
    assert.deepEqual(h.store.catalog.serviceNodes("web").value, []);
  });

  it("refuses a transaction with too many operations", () => {
    const h = new Harness();
    const ops: TxnOp[] = Array.from({ length: MAX_TXN_OPS + 1 }, (_, i) => ({
      KV: { Verb: "set", Key: `k${i}` },
    }));
    const error = h.refused({ type: "txn", nowMs: 0, ops });
    assert.equal(error.message, "Transaction contains too many operations (129 > 128)");
  });

  it("runs read-only transactions without consuming an index", () => {
    const h = new Harness();
    h.put("dir/a", "1");
    h.put("dir/b", "2");
    const response = readTxn(h.store, [{ KV: { Verb: "get-tree", Key: "dir/" } }]);
    assert.deepEqual(response.Results!.map((r) => "KV" in r && r.KV.Key), ["dir/a", "dir/b"]);
    assert.equal(h.store.appliedIndex, 2);
    assert.throws(() => readTxn(h.store, [{ KV: { Verb: "set", Key: "x" } }]), /Read-only/);
  });
});
