/** The LogStore contract, run against the disk store and the memory store alike. */
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  createMemoryLogStore,
  type LogStore,
  MAX_RECORD_DATA_BYTES,
  openLogStore,
  StorageError,
} from "../../src/raft/mod.ts";
import { entries, entry, payload, realFs, tempDir } from "./_helpers.ts";

const cleanups: Array<() => Promise<void>> = [];
after(async () => {
  for (const cleanup of cleanups) await cleanup();
});

const FACTORIES: Array<[string, () => Promise<LogStore>]> = [
  ["memory store", () => Promise.resolve(createMemoryLogStore())],
  ["disk store", async () => {
    const { dir, cleanup } = await tempDir("raft-contract");
    cleanups.push(cleanup);
    return await openLogStore(await realFs(), dir, { segmentRollBytes: 4096 });
  }],
];

function rejectsWith(code: string): (error: unknown) => boolean {
  return (error) => error instanceof StorageError && error.code === code;
}

for (const [name, open] of FACTORIES) {
  describe(`LogStore contract: ${name}`, () => {
    test("an empty log reports 0 for first and last index and holds nothing", async () => {
      const log = await open();
      assert.equal(log.firstIndex(), 0);
      assert.equal(log.lastIndex(), 0);
      assert.equal(await log.get(1), undefined);
      assert.equal(log.term(1), undefined);
      await log.close();
    });

    test("appended entries are returned by get and getRange with their bytes", async () => {
      const log = await open();
      await log.append(entries(1, 3, 1));
      await log.append(entries(4, 10, 2));
      assert.equal(log.firstIndex(), 1);
      assert.equal(log.lastIndex(), 10);
      const fifth = await log.get(5);
      assert.deepEqual(fifth, { index: 5, term: 2, type: 0, data: payload(5) });
      assert.equal(log.term(3), 1);
      assert.equal(log.term(4), 2);
      const range = await log.getRange(2, 9);
      assert.deepEqual(range.map((e) => e.index), [2, 3, 4, 5, 6, 7, 8, 9]);
      assert.deepEqual(range[6].data, payload(8));
      await log.close();
    });

    test("a log may start at any index, e.g. right after a snapshot", async () => {
      const log = await open();
      await log.append(entries(1001, 1003));
      assert.equal(log.firstIndex(), 1001);
      assert.equal(log.lastIndex(), 1003);
      assert.equal(await log.get(1000), undefined);
      await log.close();
    });

    test("getRange stops at maxBytes but always returns the first entry", async () => {
      const log = await open();
      await log.append(entries(1, 10, 1, 100));
      assert.equal((await log.getRange(1, 10, { maxBytes: 250 })).length, 2);
      assert.equal((await log.getRange(1, 10, { maxBytes: 10 })).length, 1);
      await log.close();
    });

    test("getRange outside the log is refused with the range the log holds", async () => {
      const log = await open();
      await log.append(entries(5, 8));
      await assert.rejects(log.getRange(4, 6), rejectsWith("out_of_range"));
      await assert.rejects(log.getRange(7, 9), /the log holds 5\.\.8/);
      await assert.rejects(log.getRange(7, 6), rejectsWith("out_of_range"));
      await log.close();
    });

    test("append refuses a gap, an overlap and a term that goes backwards", async () => {
      const log = await open();
      await log.append(entries(1, 3, 2));
      await assert.rejects(log.append([entry(5)]), rejectsWith("non_contiguous"));
      await assert.rejects(log.append([entry(3, 2)]), rejectsWith("non_contiguous"));
      await assert.rejects(log.append([entry(4, 1)]), rejectsWith("term_regression"));
      await assert.rejects(log.append([entry(4, 2), entry(6, 2)]), rejectsWith("non_contiguous"));
      assert.equal(log.lastIndex(), 3, "a refused batch writes nothing");
      await log.append([entry(4, 3)]);
      assert.equal(log.lastIndex(), 4);
      await log.close();
    });

    test("append refuses invalid fields", async () => {
      const log = await open();
      await assert.rejects(log.append([entry(0)]), rejectsWith("invalid_entry"));
      const badType = { index: 1, term: 1, type: 256, data: new Uint8Array() };
      await assert.rejects(log.append([badType]), rejectsWith("invalid_entry"));
      await assert.rejects(log.append([entry(1, -1)]), rejectsWith("invalid_entry"));
      const oversized = {
        index: 1,
        term: 1,
        type: 0,
        data: new Uint8Array(MAX_RECORD_DATA_BYTES + 1),
      };
      await assert.rejects(log.append([oversized]), rejectsWith("too_large"));
      assert.equal(log.lastIndex(), 0);
      await log.close();
    });

    test("appends issued without waiting are applied in call order", async () => {
      const log = await open();
      await Promise.all([
        log.append(entries(1, 4)),
        log.append(entries(5, 8)),
        log.append([entry(9)]),
      ]);
      assert.equal(log.lastIndex(), 9);
      assert.deepEqual((await log.getRange(1, 9)).map((e) => e.index), [1, 2, 3, 4, 5, 6, 7, 8, 9]);
      await log.close();
    });

    test("stored entries do not change when the caller reuses its buffer", async () => {
      const log = await open();
      const data = new Uint8Array([1, 2, 3]);
      await log.append([{ index: 1, term: 1, type: 2, data }]);
      data.fill(9);
      assert.deepEqual((await log.get(1))?.data, new Uint8Array([1, 2, 3]));
      assert.equal((await log.get(1))?.type, 2);
      await log.close();
    });

    test("truncateSuffix removes the conflicting suffix and appending resumes there", async () => {
      const log = await open();
      await log.append(entries(1, 20, 1));
      await log.truncateSuffix(15);
      assert.equal(log.lastIndex(), 14);
      assert.equal(await log.get(15), undefined);
      await log.append(entries(15, 16, 2));
      assert.equal(log.term(15), 2);
      assert.deepEqual((await log.getRange(13, 16)).map((e) => e.term), [1, 1, 2, 2]);
      await log.truncateSuffix(100);
      assert.equal(log.lastIndex(), 16, "truncating past the end changes nothing");
      await log.close();
    });

    test("truncateSuffix from the first index empties the log, which can restart anywhere", async () => {
      const log = await open();
      await log.append(entries(1, 5));
      await log.truncateSuffix(1);
      assert.equal(log.firstIndex(), 0);
      assert.equal(log.lastIndex(), 0);
      await log.append(entries(50, 51, 3));
      assert.equal(log.firstIndex(), 50);
      assert.equal((await log.get(51))?.term, 3);
      await log.close();
    });

    test("compactPrefix keeps every entry after the compaction point", async () => {
      const log = await open();
      for (let i = 0; i < 20; i++) await log.append(entries(i * 10 + 1, i * 10 + 10, 1, 100));
      await log.compactPrefix(150);
      assert.ok(log.firstIndex() <= 151, `first index ${log.firstIndex()} must not pass 151`);
      assert.ok(log.firstIndex() > 1, "something was compacted");
      assert.equal(log.lastIndex(), 200);
      const kept = await log.getRange(151, 200);
      assert.deepEqual(kept.map((e) => e.index), Array.from({ length: 50 }, (_, i) => 151 + i));
      assert.deepEqual(kept[0].data, payload(151, 100));
      await log.close();
    });

    test("calls after close are refused", async () => {
      const log = await open();
      await log.append(entries(1, 2));
      await log.close();
      await assert.rejects(log.get(1), rejectsWith("closed"));
      await assert.rejects(log.append([entry(3)]), rejectsWith("closed"));
    });
  });
}
