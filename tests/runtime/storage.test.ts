import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { currentRuntime } from "../../src/runtime/current.ts";
import type { Runtime } from "../../src/runtime/ports.ts";

describe("files and SQLite", () => {
  let runtime: Runtime;
  let dir: string;

  before(async () => {
    runtime = await currentRuntime();
    dir = mkdtempSync(join(tmpdir(), "consulate-runtime-"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test("writeFileAtomic replaces content and leaves no temporary files", async () => {
    const path = join(dir, "state.json");
    await runtime.fs.writeFileAtomic(path, '{"v":1}');
    await runtime.fs.writeFileAtomic(path, new TextEncoder().encode('{"v":2}'));
    assert.equal(readFileSync(path, "utf8"), '{"v":2}');
    assert.equal(await runtime.fs.readTextFile(path), '{"v":2}');
    assert.deepEqual(await runtime.fs.readDir(dir), ["state.json"]);
  });

  test("appended and synced bytes survive reopening, and truncate cuts a torn tail", async () => {
    const path = join(dir, "wal.log");
    const log = await runtime.fs.openAppend(path);
    await log.append(new TextEncoder().encode("entry-1;"));
    await log.append(new TextEncoder().encode("entry-2;"));
    await log.sync();
    assert.equal(log.size, 16);
    await log.close();
    const reopened = await runtime.fs.openAppend(path);
    assert.equal(reopened.size, 16);
    await reopened.append(new TextEncoder().encode("torn"));
    await reopened.close();
    assert.equal(readFileSync(path, "utf8"), "entry-1;entry-2;torn");
    await runtime.fs.truncate(path, 16);
    assert.equal(await runtime.fs.readTextFile(path), "entry-1;entry-2;");
    assert.equal((await runtime.fs.stat(path))?.size, 16);
  });

  test("writeFile exclusive refuses to overwrite; stat, mkdir, rename and remove work", async () => {
    const sub = join(dir, "a", "b");
    await runtime.fs.mkdir(sub, { recursive: true });
    assert.equal((await runtime.fs.stat(sub))?.isDirectory, true);
    const path = join(sub, "once");
    await runtime.fs.writeFile(path, "first", { exclusive: true });
    await assert.rejects(runtime.fs.writeFile(path, "second", { exclusive: true }), /once/);
    await runtime.fs.rename(path, join(sub, "moved"));
    assert.equal(await runtime.fs.stat(path), null);
    assert.deepEqual(
      await runtime.fs.readFile(join(sub, "moved")),
      new TextEncoder().encode("first"),
    );
    await runtime.fs.remove(join(dir, "a"), { recursive: true });
    assert.equal(await runtime.fs.stat(join(dir, "a")), null);
  });

  test("reading a missing file names the path", async () => {
    const path = join(dir, "missing.txt");
    await assert.rejects(runtime.fs.readFile(path), (error: Error) => error.message.includes(path));
  });

  test("SQLite data written through prepare survives closing and reopening the file", () => {
    const path = join(dir, "store.db");
    const db = runtime.sqlite.open(path);
    db.exec("CREATE TABLE kv (key TEXT PRIMARY KEY, value BLOB, idx INTEGER)");
    const insert = db.prepare("INSERT INTO kv (key, value, idx) VALUES (?, ?, ?)");
    assert.equal(insert.run("a", new Uint8Array([1, 2, 3]), 7).changes, 1);
    insert.run("b", null, 8);
    db.close();
    const again = runtime.sqlite.open(path);
    const row = again.prepare("SELECT key, value, idx FROM kv WHERE key = ?").get("a");
    assert.equal(row?.key, "a");
    assert.deepEqual(new Uint8Array(row?.value as Uint8Array), new Uint8Array([1, 2, 3]));
    assert.equal(Number(row?.idx), 7);
    const keys = again.prepare("SELECT key FROM kv ORDER BY key").all().map((r) => r.key);
    assert.deepEqual(keys, ["a", "b"]);
    assert.equal(again.prepare("SELECT * FROM kv WHERE key = ?").get("zzz"), undefined);
    again.close();
  });
});
