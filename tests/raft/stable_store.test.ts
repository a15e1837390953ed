import { afterEach, beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createMemoryStableStore, openStableStore, StorageError } from "../../src/raft/mod.ts";
import type { FileSystem } from "../../src/runtime/ports.ts";
import { realFs, tempDir } from "./_helpers.ts";

let fs: FileSystem;
let dir: string;
let cleanup: () => Promise<void>;

beforeEach(async () => {
  fs = await realFs();
  ({ dir, cleanup } = await tempDir("raft-stable"));
});
afterEach(async () => {
  await cleanup();
});

describe("stable store", () => {
  test("currentTerm and votedFor survive reopening", async () => {
    const path = `${dir}/stable.json`;
    const stable = await openStableStore(fs, path);
    assert.equal(stable.get("currentTerm"), undefined);
    await stable.set({ currentTerm: 7, votedFor: "server-2" });
    await stable.set({ votedFor: null });
    const reopened = await openStableStore(fs, path);
    assert.equal(reopened.get("currentTerm"), 7);
    assert.equal(reopened.get("votedFor"), null);
  });

  test("a value that is not a scalar is refused and nothing changes", async () => {
    const stable = await openStableStore(fs, `${dir}/stable.json`);
    await stable.set({ currentTerm: 1 });
    await assert.rejects(
      stable.set({ currentTerm: 2, votedFor: Number.NaN }),
      (error: unknown) => error instanceof StorageError && error.code === "invalid_entry",
    );
    assert.equal(stable.get("currentTerm"), 1);
  });

  test("a file that fails its checksum is refused with advice", async () => {
    const path = `${dir}/stable.json`;
    const stable = await openStableStore(fs, path);
    await stable.set({ currentTerm: 12 });
    const text = await fs.readTextFile(path);
    await fs.writeFileAtomic(path, text.replace("12", "13"));
    await assert.rejects(
      openStableStore(fs, path),
      (error: unknown) =>
        error instanceof StorageError && error.code === "bad_format" &&
        /fails its checksum/.test(error.message) && error.message.includes(path),
    );
  });

  test("the memory stable store keeps values for its lifetime", async () => {
    const stable = createMemoryStableStore();
    await stable.set({ currentTerm: 3, votedFor: "a" });
    assert.equal(stable.get("currentTerm"), 3);
    assert.equal(stable.get("votedFor"), "a");
  });
});
