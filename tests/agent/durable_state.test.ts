import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DurableState } from "../../src/agent/durable_state.ts";
import { createLogger } from "../../src/agent/logger.ts";
import { currentRuntime } from "../../src/runtime/current.ts";
import { encodeBase64 } from "../../src/state/mod.ts";

const runtime = await currentRuntime();
const logger = createLogger({ level: "ERROR", clock: runtime.clock, sink: () => {} });
const dirs: string[] = [];
after(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "consulate-durable-"));
  dirs.push(dir);
  return dir;
}

function put(key: string, value: string) {
  return {
    type: "kv.set" as const,
    nowMs: 1_000,
    op: "set" as const,
    entry: { Key: key, Value: encodeBase64(new TextEncoder().encode(value)) },
  };
}

function valueOf(state: DurableState, key: string): string | undefined {
  const row = state.store.kv.get(key).value;
  return row?.Value ? new TextDecoder().decode(row.Value) : undefined;
}

describe("DurableState", () => {
  test("acknowledged writes survive a reopen without a clean close", async () => {
    const dataDir = tempDir();
    const first = await DurableState.open({ fs: runtime.fs, dataDir, logger });
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => first.apply(put(`k/${i}`, `v${i}`))),
    );
    assert.ok(results.every((result) => result.ok && result.value === true));
    assert.equal(first.appliedIndex, 50);
    // No close(): the next open must find everything the first instance acknowledged.
    const second = await DurableState.open({ fs: runtime.fs, dataDir, logger });
    assert.equal(second.appliedIndex, 50);
    assert.equal(valueOf(second, "k/0"), "v0");
    assert.equal(valueOf(second, "k/49"), "v49");
    await second.close();
    await first.close().catch(() => {});
  });

  test("commands apply in call order and concurrent calls share the log", async () => {
    const state = await DurableState.open({ fs: runtime.fs, dataDir: tempDir(), logger });
    const writes = Array.from({ length: 300 }, (_, i) => state.apply(put("same", `v${i}`)));
    await Promise.all(writes);
    assert.equal(valueOf(state, "same"), "v299");
    assert.equal(state.store.kv.get("same").value?.ModifyIndex, 300);
    await state.close();
  });

  test("snapshots bound the log and a restart restores snapshot plus tail", async () => {
    const dataDir = tempDir();
    const state = await DurableState.open({
      fs: runtime.fs,
      dataDir,
      logger,
      snapshotEveryEntries: 20,
    });
    for (let i = 0; i < 65; i++) await state.apply(put(`s/${i % 7}`, `v${i}`));
    const snapshots = readdirSync(join(dataDir, "raft", "snapshots")).filter((f) =>
      f.endsWith(".snap")
    );
    assert.equal(snapshots.length, 2, `expected two retained snapshots, found ${snapshots}`);
    const reopened = await DurableState.open({
      fs: runtime.fs,
      dataDir,
      logger,
      snapshotEveryEntries: 20,
    });
    assert.equal(reopened.appliedIndex, 65);
    for (let k = 0; k < 7; k++) assert.equal(valueOf(reopened, `s/${k}`), valueOf(state, `s/${k}`));
    await reopened.close();
    await state.close().catch(() => {});
  });

  test("a close writes a final snapshot that the next open starts from", async () => {
    const dataDir = tempDir();
    const state = await DurableState.open({ fs: runtime.fs, dataDir, logger });
    await state.apply(put("a", "1"));
    await state.apply(put("b", "2"));
    await state.close();
    const reopened = await DurableState.open({ fs: runtime.fs, dataDir, logger });
    assert.equal(reopened.appliedIndex, 2);
    assert.equal(valueOf(reopened, "b"), "2");
    await assert.rejects(state.apply(put("c", "3")), /shutting down/);
    await reopened.close();
  });

  test("dev mode keeps state in memory only", async () => {
    const state = await DurableState.open({ fs: runtime.fs, dataDir: null, logger });
    const result = await state.apply(put("dev", "yes"));
    assert.deepEqual(result, { ok: true, value: true });
    assert.equal(valueOf(state, "dev"), "yes");
    await state.close();
  });

  test("a refused command still uses its index, as in Consul, and reports the error", async () => {
    const state = await DurableState.open({ fs: runtime.fs, dataDir: tempDir(), logger });
    const result = await state.apply({
      type: "kv.set",
      nowMs: 1,
      op: "lock",
      entry: { Key: "locked", Session: "00000000-0000-0000-0000-000000000000" },
    });
    assert.equal(result.ok, false);
    assert.equal(state.appliedIndex, 1);
    await state.close();
  });
});
