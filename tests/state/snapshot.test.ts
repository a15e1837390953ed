import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  type Command,
  decodeCommand,
  encodeCommand,
  restoreStore,
  StateError,
  StateStore,
} from "../../src/state/mod.ts";
import { b64, Harness, seconds } from "./_helpers.ts";

/** A scripted workload touching every table, generated from a seed. */
function workload(seed: number): Command[] {
  let state = seed >>> 0;
  const next = (n: number) => {
    // mulberry32: a small seeded generator, so the workload is the same on every run.
    state = (state + 0x6d2b79f5) >>> 0;
    let x = Math.imul(state ^ (state >>> 15), state | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) % n;
  };
  const commands: Command[] = [];
  const sessions: string[] = ["none"];
  for (let i = 0; i < 300; i++) {
    const node = `node-${next(8)}`;
    const nowMs = i * 1000;
    switch ([0, 0, 0, 1, 2, 2, 3, 4, 5, 6, 7][next(11)]) {
      case 0:
        commands.push({
          type: "catalog.register",
          nowMs,
          node: { Node: node, Address: `10.0.0.${next(9)}`, Meta: { v: `${next(3)}` } },
          service: { Service: `svc-${next(4)}`, Tags: [`t${next(3)}`], Port: next(100) },
          checks: [{ CheckID: "serfHealth", Status: next(12) === 0 ? "critical" : "passing" }],
        });
        break;
      case 1:
        sessions.push(`s-${i}`);
        commands.push({
          type: "session.create",
          session: { ID: `s-${i}`, Node: node, NodeChecks: ["serfHealth"], LockDelay: seconds(60) },
        });
        break;
      case 2:
        commands.push({
          type: "kv.set",
          nowMs,
          op: "lock",
          entry: {
            Key: `lock/${next(5)}`,
            Session: sessions.at(-1 - next(2))!,
            Value: b64(`${i}`),
          },
        });
        break;
      case 3:
        commands.push({
          type: "kv.set",
          nowMs,
          op: "set",
          entry: { Key: `data/${next(20)}`, Flags: next(3), Value: b64(`v${i}`) },
        });
        break;
      case 4:
        commands.push({
          type: "kv.set",
          nowMs,
          op: "delete-tree",
          entry: { Key: `data/${next(3)}` },
        });
        break;
      case 5:
        commands.push({ type: "catalog.deregister", nowMs, node });
        break;
      case 6:
        commands.push({ type: "session.destroy", nowMs, id: sessions[next(sessions.length)] });
        break;
      default:
        commands.push({
          type: "coordinate.batchUpdate",
          updates: [{
            Node: node,
            Coord: { Vec: [next(10) / 10], Error: 1.5, Adjustment: 0, Height: 0.01 },
          }],
        });
        commands.push({
          type: "federationState.upsert",
          state: {
            Datacenter: `dc${next(3)}`,
            UpdatedAt: `t${i}`,
            MeshGateways: [{ Node: { Node: node } }],
          },
        });
    }
  }
  return commands;
}

function run(commands: Command[]): Harness {
  const h = new Harness();
  for (const command of commands) h.apply(decodeCommand(encodeCommand(command)));
  return h;
}

describe("snapshots", () => {
  it("restore reproduces every table, index and the applied index", () => {
    const h = run(workload(7));
    const bytes = h.store.snapshot();
    const restored = restoreStore(bytes);
    assert.deepEqual(restored.snapshot(), bytes);
    assert.equal(restored.appliedIndex, h.store.appliedIndex);
    assert.deepEqual(restored.catalog.services(), h.store.catalog.services());
    assert.deepEqual(restored.kv.list(""), h.store.kv.list(""));
    assert.deepEqual(restored.sessions.list(), h.store.sessions.list());
    assert.deepEqual(restored.health.serviceNodes("svc-1"), h.store.health.serviceNodes("svc-1"));
    assert.deepEqual(restored.federationStates.list(), h.store.federationStates.list());
    const doc = JSON.parse(new TextDecoder().decode(bytes));
    for (const table of ["nodes", "sessions", "kvs", "tombstones", "lockDelays", "coordinates"]) {
      assert.ok(doc[table].length > 0, `the workload leaves rows in ${table}`);
    }
    assert.ok(doc.kvs.some((row: { Session: string }) => row.Session !== ""), "a lock is held");
  });

  it("a restored store keeps applying exactly like the original", () => {
    const commands = workload(3);
    const whole = run(commands);
    const half = run(commands.slice(0, 150));
    const halfDoc = JSON.parse(new TextDecoder().decode(half.store.snapshot()));
    assert.ok(halfDoc.lockDelays.length > 0, "the cut lands while a lock delay is active");
    const resumed = new Harness(restoreStore(half.store.snapshot()));
    for (const command of commands.slice(150)) resumed.apply(command);
    assert.deepEqual(resumed.store.snapshot(), whole.store.snapshot());
  });

  it("the same commands give byte-identical snapshots (determinism)", () => {
    const a = run(workload(3)).store.snapshot();
    const b = run(workload(3)).store.snapshot();
    const c = run(workload(4)).store.snapshot();
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, c);
  });

  it("refuses bytes that are not a snapshot", () => {
    const bad = [new Uint8Array([0xff]), new TextEncoder().encode('{"format":"other"}')];
    for (const bytes of bad) {
      assert.throws(() => restoreStore(bytes), (error: unknown) => {
        return error instanceof StateError && error.code === "bad_snapshot";
      });
    }
    const empty = new StateStore().snapshot();
    assert.equal(restoreStore(empty).appliedIndex, 0);
  });
});

describe("command codec", () => {
  it("round-trips a command and refuses unknown ones", () => {
    const command: Command = {
      type: "kv.set",
      nowMs: 5,
      op: "set",
      entry: { Key: "k", Value: b64("x") },
    };
    assert.deepEqual(decodeCommand(encodeCommand(command)), command);
    assert.throws(
      () => decodeCommand(new TextEncoder().encode('{"type":"nope"}')),
      /Command type "nope" is unknown/,
    );
    assert.throws(() => decodeCommand(new Uint8Array([1, 2])), /not valid UTF-8 JSON/);
  });
});
