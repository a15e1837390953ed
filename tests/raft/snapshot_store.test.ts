import { afterEach, beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  CorruptionError,
  openSnapshotStore,
  SNAPSHOTS_RETAINED,
  StorageError,
} from "../../src/raft/mod.ts";
import type { FileSystem } from "../../src/runtime/ports.ts";
import { payload, realFs, tempDir } from "./_helpers.ts";

let fs: FileSystem;
let dir: string;
let cleanup: () => Promise<void>;

beforeEach(async () => {
  fs = await realFs();
  ({ dir, cleanup } = await tempDir("raft-snap"));
});
afterEach(async () => {
  await cleanup();
});

async function snapshotFiles(): Promise<string[]> {
  return (await fs.readDir(dir)).filter((name) => name.endsWith(".snap"));
}

describe("snapshot store", () => {
  test("an empty store has no latest snapshot", async () => {
    const store = await openSnapshotStore(fs, dir);
    assert.equal(await store.latest(), null);
  });

  test("latest returns the newest snapshot with its data, index and term", async () => {
    const store = await openSnapshotStore(fs, dir);
    await store.createSnapshot(100, 2, payload(100, 5000));
    await store.createSnapshot(250, 3, payload(250, 7000));
    const reopened = await openSnapshotStore(fs, dir);
    const latest = await reopened.latest();
    assert.equal(latest?.index, 250);
    assert.equal(latest?.term, 3);
    assert.deepEqual(latest?.data, payload(250, 7000));
    assert.deepEqual(latest?.skipped, []);
  });

  test(`only the newest ${SNAPSHOTS_RETAINED} snapshots are kept`, async () => {
    const store = await openSnapshotStore(fs, dir);
    for (const index of [10, 20, 30, 40]) await store.createSnapshot(index, 1, payload(index));
    assert.deepEqual((await store.list()).map((meta) => meta.index), [40, 30]);
    assert.equal((await snapshotFiles()).length, SNAPSHOTS_RETAINED);
  });

  test("a corrupt newest snapshot falls back to the previous one and says why", async () => {
    const store = await openSnapshotStore(fs, dir);
    await store.createSnapshot(10, 1, payload(10, 2000));
    await store.createSnapshot(20, 2, payload(20, 2000));
    const newest = `${dir}/${(await snapshotFiles()).at(-1)}`;
    const bytes = await fs.readFile(newest);
    bytes[1500] ^= 0x10;
    await fs.writeFileAtomic(newest, bytes);
    const latest = await store.latest();
    assert.equal(latest?.index, 10);
    assert.deepEqual(latest?.data, payload(10, 2000));
    assert.deepEqual(latest?.skipped, [{ path: newest, reason: "checksum mismatch" }]);
  });

  test("a truncated newest snapshot falls back as well", async () => {
    const store = await openSnapshotStore(fs, dir);
    await store.createSnapshot(10, 1, payload(10, 2000));
    await store.createSnapshot(20, 2, payload(20, 2000));
    const newest = `${dir}/${(await snapshotFiles()).at(-1)}`;
    await fs.truncate(newest, 1000);
    assert.equal((await store.latest())?.index, 10);
  });

  test("when no retained snapshot verifies, latest refuses instead of returning none", async () => {
    const store = await openSnapshotStore(fs, dir);
    await store.createSnapshot(10, 1, payload(10));
    const only = `${dir}/${(await snapshotFiles())[0]}`;
    await fs.writeFileAtomic(only, new TextEncoder().encode("not a snapshot at all, clearly"));
    await assert.rejects(
      store.latest(),
      (error: unknown) => error instanceof CorruptionError && error.path === only,
    );
  });

  test("a snapshot older than the newest retained one is refused", async () => {
    const store = await openSnapshotStore(fs, dir);
    await store.createSnapshot(50, 2, payload(50));
    await assert.rejects(
      store.createSnapshot(40, 2, payload(40)),
      (error: unknown) => error instanceof StorageError && error.code === "stale_snapshot",
    );
    assert.deepEqual((await store.list()).map((meta) => meta.index), [50]);
  });

  test("a file renamed to claim another index is not trusted", async () => {
    const store = await openSnapshotStore(fs, dir);
    await store.createSnapshot(10, 1, payload(10));
    const [name] = await snapshotFiles();
    await fs.rename(`${dir}/${name}`, `${dir}/${name.replace("00010-", "00099-")}`);
    await assert.rejects(store.latest(), /unlike its file name/);
  });
});
