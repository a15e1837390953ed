/** Disk-specific behaviour of the segmented log: recovery, repair, corruption, segments. */
import { afterEach, beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import { CorruptionError, openLogStore, StorageError } from "../../src/raft/mod.ts";
import type { FileSystem } from "../../src/runtime/ports.ts";
import { entries, entry, payload, realFs, segmentNames, tempDir } from "./_helpers.ts";

/** Bytes of one record holding a 24-byte payload: 8 header + 18 fixed + 24 data. */
const RECORD_BYTES = 50;

let fs: FileSystem;
let dir: string;
let cleanup: () => Promise<void>;

beforeEach(async () => {
  fs = await realFs();
  ({ dir, cleanup } = await tempDir("raft-log"));
});
afterEach(async () => {
  await cleanup();
});

async function appendOneByOne(from: number, to: number, options = {}): Promise<void> {
  const log = await openLogStore(fs, dir, options);
  for (let index = from; index <= to; index++) await log.append([entry(index)]);
  await log.close();
}

async function onlySegment(): Promise<string> {
  const names = await segmentNames(fs, dir);
  assert.equal(names.length, 1, `expected one segment, found ${names.join(", ")}`);
  return `${dir}/${names[0]}`;
}

async function rewrite(path: string, edit: (bytes: Uint8Array) => Uint8Array): Promise<void> {
  await fs.writeFileAtomic(path, edit(await fs.readFile(path)));
}

describe("disk log store recovery", () => {
  test("reopening recovers every entry across segments and reports a clean end", async () => {
    const log = await openLogStore(fs, dir, { segmentRollBytes: 1000 });
    for (let i = 0; i < 30; i++) await log.append(entries(i * 10 + 1, i * 10 + 10, 1 + i));
    await log.close();
    const reopened = await openLogStore(fs, dir, { segmentRollBytes: 1000 });
    assert.ok(reopened.recovery.segmentCount > 5, "several segments were written");
    assert.equal(reopened.recovery.entryCount, 300);
    assert.equal(reopened.recovery.tornTail, null);
    assert.equal(reopened.firstIndex(), 1);
    assert.equal(reopened.lastIndex(), 300);
    const all = await reopened.getRange(1, 300);
    assert.equal(all.length, 300);
    for (const e of all) assert.deepEqual(e.data, payload(e.index), `entry ${e.index}`);
    assert.equal(reopened.term(155), 16);
    await reopened.close();
  });

  test("a record cut off mid-way is truncated durably and earlier entries survive", async () => {
    await appendOneByOne(1, 10);
    const path = await onlySegment();
    await fs.truncate(path, 9 * RECORD_BYTES + 20);
    const log = await openLogStore(fs, dir);
    assert.equal(log.lastIndex(), 9);
    assert.deepEqual(
      log.recovery.tornTail && {
        path: log.recovery.tornTail.path,
        offset: log.recovery.tornTail.offset,
        discardedBytes: log.recovery.tornTail.discardedBytes,
      },
      { path, offset: 9 * RECORD_BYTES, discardedBytes: 20 },
    );
    assert.equal((await fs.stat(path))?.size, 9 * RECORD_BYTES, "the torn bytes are gone on disk");
    assert.deepEqual((await log.get(9))?.data, payload(9));
    await log.append([entry(10)]);
    await log.close();
    const again = await openLogStore(fs, dir);
    assert.equal(again.recovery.tornTail, null);
    assert.equal(again.lastIndex(), 10);
    await again.close();
  });

  test("garbage appended after the last record is cut off as a torn tail", async () => {
    await appendOneByOne(1, 6);
    const path = await onlySegment();
    const garbage = Uint8Array.from({ length: 300 }, (_, i) => (i * 151 + 7) & 0xff);
    await rewrite(path, (bytes) => new Uint8Array([...bytes, ...garbage]));
    const log = await openLogStore(fs, dir);
    assert.equal(log.lastIndex(), 6);
    assert.equal(log.recovery.tornTail?.discardedBytes, 300);
    assert.deepEqual(
      (await log.getRange(1, 6)).map((e) => e.data),
      entries(1, 6).map((e) => e.data),
    );
    await log.close();
  });

  test("damage inside the final batch is torn even when later records of it survive", async () => {
    const log = await openLogStore(fs, dir);
    await log.append(entries(1, 5));
    await log.append(entries(6, 10));
    await log.close();
    const path = await onlySegment();
    await rewrite(path, (bytes) => {
      bytes[6 * RECORD_BYTES + 30] ^= 0xff; // entry 7: the second record of the last batch
      return bytes;
    });
    const reopened = await openLogStore(fs, dir);
    assert.equal(reopened.lastIndex(), 6);
    assert.equal(reopened.recovery.tornTail?.offset, 6 * RECORD_BYTES);
    await reopened.close();
  });

  test("a damaged record followed by later appends is refused with the file and offset", async () => {
    await appendOneByOne(1, 10);
    const path = await onlySegment();
    await rewrite(path, (bytes) => {
      bytes[2 * RECORD_BYTES + 40] ^= 0x01; // entry 3's data
      return bytes;
    });
    await assert.rejects(openLogStore(fs, dir), (error: unknown) => {
      assert.ok(error instanceof CorruptionError, `got ${error}`);
      assert.equal(error.path, path);
      assert.equal(error.offset, 2 * RECORD_BYTES);
      assert.match(error.message, /checksum mismatch/);
      assert.match(error.message, new RegExp(`${path}.*offset ${2 * RECORD_BYTES}`));
      return true;
    });
    assert.equal((await fs.stat(path))?.size, 10 * RECORD_BYTES, "nothing was truncated");
  });

  test("damage at the end of a sealed segment is refused, not repaired", async () => {
    await appendOneByOne(1, 40, { segmentRollBytes: 500 });
    const names = await segmentNames(fs, dir);
    assert.ok(names.length >= 3);
    const sealed = `${dir}/${names[0]}`;
    const size = (await fs.stat(sealed))!.size;
    await fs.truncate(sealed, size - 5);
    await assert.rejects(
      openLogStore(fs, dir, { segmentRollBytes: 500 }),
      (error: unknown) =>
        error instanceof CorruptionError && error.path === sealed &&
        error.offset === size - RECORD_BYTES,
    );
  });

  test("a missing segment in the middle is refused as a gap", async () => {
    await appendOneByOne(1, 40, { segmentRollBytes: 500 });
    const names = await segmentNames(fs, dir);
    await fs.remove(`${dir}/${names[1]}`);
    await assert.rejects(
      openLogStore(fs, dir, { segmentRollBytes: 500 }),
      (error: unknown) =>
        error instanceof CorruptionError && error.path === `${dir}/${names[2]}` &&
        /previous segment/.test(error.message),
    );
  });

  test("an empty newest segment left by a crash during a roll is reused", async () => {
    await appendOneByOne(1, 5);
    await fs.writeFile(`${dir}/segment-00000000000000000006.wal`, new Uint8Array());
    const log = await openLogStore(fs, dir);
    assert.equal(log.lastIndex(), 5);
    assert.equal(log.recovery.segmentCount, 2);
    await log.append([entry(6)]);
    await log.close();
    const again = await openLogStore(fs, dir);
    assert.equal(again.lastIndex(), 6);
    assert.deepEqual((await again.get(6))?.data, payload(6));
    await again.close();
  });

  test("a directory holding another format is refused", async () => {
    await fs.writeFile(
      `${dir}/wal.json`,
      JSON.stringify({ format: "consulate-raft-log", version: 9 }),
    );
    await assert.rejects(
      openLogStore(fs, dir),
      (error: unknown) => error instanceof StorageError && error.code === "bad_format",
    );
  });
});

describe("disk log store segments", () => {
  test("segments roll at the size limit and compactPrefix deletes only whole old ones", async () => {
    const log = await openLogStore(fs, dir, { segmentRollBytes: 500 });
    for (let index = 1; index <= 100; index++) await log.append([entry(index)]);
    const before = await segmentNames(fs, dir);
    assert.equal(before.length, 10, "500-byte segments hold 10 records of 50 bytes");
    await log.compactPrefix(35);
    const after = await segmentNames(fs, dir);
    assert.deepEqual(after, before.slice(3), "segments ending at 10, 20 and 30 are removed");
    assert.equal(log.firstIndex(), 31);
    assert.deepEqual((await log.get(31))?.data, payload(31));
    await log.compactPrefix(1000);
    assert.equal(log.firstIndex(), 91, "the newest segment is never removed");
    await log.close();
    const reopened = await openLogStore(fs, dir, { segmentRollBytes: 500 });
    assert.equal(reopened.firstIndex(), 91);
    assert.equal(reopened.lastIndex(), 100);
    await reopened.close();
  });

  test("truncateSuffix across segments persists after reopening", async () => {
    const log = await openLogStore(fs, dir, { segmentRollBytes: 500 });
    for (let index = 1; index <= 50; index++) await log.append([entry(index)]);
    await log.truncateSuffix(23);
    assert.equal(log.lastIndex(), 22);
    assert.equal((await segmentNames(fs, dir)).length, 3);
    await log.append(entries(23, 24, 2));
    await log.close();
    const reopened = await openLogStore(fs, dir, { segmentRollBytes: 500 });
    assert.equal(reopened.recovery.tornTail, null);
    assert.equal(reopened.lastIndex(), 24);
    assert.deepEqual((await reopened.getRange(21, 24)).map((e) => e.term), [1, 1, 2, 2]);
    await reopened.close();
  });

  test("entries in old segments are read back from disk after reopening", async () => {
    const log = await openLogStore(fs, dir, { segmentRollBytes: 64 * 1024 });
    for (let batch = 0; batch < 50; batch++) {
      await log.append(entries(batch * 200 + 1, batch * 200 + 200, 1, 100));
    }
    await log.close();
    const reopened = await openLogStore(fs, dir, { segmentRollBytes: 64 * 1024 });
    assert.equal(reopened.lastIndex(), 10_000);
    for (const index of [1, 777, 5000, 9999]) {
      assert.deepEqual((await reopened.get(index))?.data, payload(index, 100), `entry ${index}`);
    }
    const page = await reopened.getRange(100, 10_000, { maxBytes: 100 * 1000 });
    assert.equal(page.length, 1000);
    assert.equal(page.at(-1)?.index, 1099);
    await reopened.close();
  });

  test("a failed fsync stops the store so it cannot acknowledge lost writes", async () => {
    let failSync = false;
    const flaky: FileSystem = {
      ...fs,
      openAppend: async (path) => {
        const file = await fs.openAppend(path);
        return {
          get size() {
            return file.size;
          },
          append: (data) => file.append(data),
          sync: () => failSync ? Promise.reject(new Error("EIO: disk on fire")) : file.sync(),
          close: () => file.close(),
        };
      },
    };
    const log = await openLogStore(flaky, dir);
    await log.append([entry(1)]);
    failSync = true;
    await assert.rejects(
      log.append([entry(2)]),
      (error: unknown) =>
        error instanceof StorageError && error.code === "failed" &&
        /disk on fire/.test(error.message),
    );
    failSync = false;
    await assert.rejects(log.append([entry(2)]), /stopped after a failed write/);
    await log.close();
  });
});
