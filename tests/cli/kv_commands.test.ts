import { after, before, beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  kvDeleteCommand,
  kvGetCommand,
  kvPutCommand,
  MAX_STDIN_BYTES,
} from "../../src/cli/kv_commands.ts";
import { type FakeConsul, startFakeConsul } from "../api/_fake_consul.ts";
import { cliContext } from "../api/_cli_context.ts";

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

describe("consulate kv", () => {
  let fake: FakeConsul;
  let env: Record<string, string>;

  before(async () => {
    fake = await startFakeConsul();
    env = { CONSUL_HTTP_ADDR: fake.address };
  });
  beforeEach(() => fake.kv.clear());
  after(async () => await fake.stop());

  async function run(
    command: typeof kvGetCommand,
    args: string[],
    files: Record<string, string | Uint8Array> = {},
    stdin?: Uint8Array,
  ) {
    const context = await cliContext(env, files, stdin);
    const code = await command.run(args, context);
    return { code, out: context.out(), err: context.err() };
  }

  test("put writes the value and get prints it back", async () => {
    assert.deepEqual(await run(kvPutCommand, ["app/color", "blue"]), {
      code: 0,
      out: "Success! Data written to: app/color\n",
      err: "",
    });
    assert.equal(fake.last.method, "PUT");
    assert.equal(fake.last.path, "/v1/kv/app/color");
    assert.equal(fake.last.query, "");
    assert.equal(text(fake.last.body), "blue");
    assert.deepEqual(await run(kvGetCommand, ["/app/color"]), { code: 0, out: "blue\n", err: "" });
    assert.equal(fake.last.path, "/v1/kv/app/color");
  });

  test("put without DATA stores an empty value; -flags is sent as a query parameter", async () => {
    assert.equal((await run(kvPutCommand, ["-flags=42", "empty"])).code, 0);
    assert.equal(fake.last.query, "flags=42");
    assert.equal(fake.last.body.byteLength, 0);
    assert.equal(fake.kv.get("empty")?.flags, 42);
  });

  test("put @file reads the value through the runtime file system", async () => {
    const bytes = Uint8Array.from([1, 2, 3, 0, 255]);
    assert.equal(
      (await run(kvPutCommand, ["blob", "@/data/blob.bin"], { "/data/blob.bin": bytes })).code,
      0,
    );
    assert.deepEqual([...fake.last.body], [...bytes]);
    const missing = await run(kvPutCommand, ["blob", "@/data/missing"]);
    assert.equal(missing.code, 1);
    assert.match(missing.err, /^Error! Failed to read file: Could not read \/data\/missing/);
  });

  test("put - reads DATA from standard input; -5 is an ordinary value", async () => {
    const bytes = Uint8Array.from([0, 1, 2, 254, 255, 10]);
    assert.equal((await run(kvPutCommand, ["key", "-"], {}, bytes)).code, 0);
    assert.deepEqual([...fake.last.body], [...bytes]);
    const encoded = new TextEncoder().encode("aGVsbG8=\n");
    assert.equal((await run(kvPutCommand, ["-base64", "key", "-"], {}, encoded)).code, 0);
    assert.equal(text(fake.last.body), "hello", "-base64 decodes what stdin held");
    const huge = await run(kvPutCommand, ["key", "-"], {}, new Uint8Array(MAX_STDIN_BYTES + 1));
    assert.equal(huge.code, 1);
    assert.match(
      huge.err,
      /^Error! Failed to read stdin: standard input holds more than \d+ bytes/,
    );
    assert.equal((await run(kvPutCommand, ["key", "-5"])).code, 0);
    assert.equal(text(fake.last.body), "-5");
  });

  test("put -base64 decodes the data before writing", async () => {
    assert.equal((await run(kvPutCommand, ["-base64", "b64", "aGVsbG8="])).code, 0);
    assert.equal(text(fake.last.body), "hello");
    const bad = await run(kvPutCommand, ["-base64", "b64", "***"]);
    assert.equal(bad.code, 1);
    assert.match(bad.err, /^Error! Cannot base 64 decode data: /);
  });

  test("put -cas writes only at the given index and reports CAS failed otherwise", async () => {
    await run(kvPutCommand, ["cas/key", "one"]);
    const index = fake.kv.get("cas/key")!.modifyIndex;
    assert.deepEqual(
      await run(kvPutCommand, ["-cas", `-modify-index=${index + 7}`, "cas/key", "x"]),
      {
        code: 1,
        out: "",
        err: "Error! Did not write to cas/key: CAS failed\n",
      },
    );
    assert.equal(fake.last.query, `cas=${index + 7}`);
    assert.deepEqual(
      await run(kvPutCommand, ["-cas", `-modify-index=${index}`, "cas/key", "two"]),
      {
        code: 0,
        out: "Success! Data written to: cas/key\n",
        err: "",
      },
    );
    assert.equal(text(fake.kv.get("cas/key")!.value), "two");
  });

  test("put -cas needs -modify-index, and -acquire/-release need -session", async () => {
    assert.deepEqual(await run(kvPutCommand, ["-cas", "k", "v"]), {
      code: 1,
      out: "",
      err: "Must specify -modify-index with -cas!\n",
    });
    assert.deepEqual(await run(kvPutCommand, ["-acquire", "k", "v"]), {
      code: 1,
      out: "",
      err: "Error! Missing -session (required with -acquire and -release)\n",
    });
  });

  test("put -acquire and -release take and give up a session's lock", async () => {
    assert.deepEqual(await run(kvPutCommand, ["-acquire", "-session=s1", "lock", "me"]), {
      code: 0,
      out: "Success! Lock acquired on: lock\n",
      err: "",
    });
    assert.equal(fake.last.query, "acquire=s1");
    assert.deepEqual(await run(kvPutCommand, ["-acquire", "-session=s2", "lock", "you"]), {
      code: 1,
      out: "",
      err: "Error! Did not acquire lock\n",
    });
    assert.deepEqual(await run(kvPutCommand, ["-release", "-session=s2", "lock"]), {
      code: 1,
      out: "",
      err: "Error! Did not release lock\n",
    });
    assert.deepEqual(await run(kvPutCommand, ["-release", "-session=s1", "lock"]), {
      code: 0,
      out: "Success! Lock released on: lock\n",
      err: "",
    });
  });

  test("put argument errors use Consul's texts", async () => {
    assert.equal((await run(kvPutCommand, [])).err, "Error! Missing KEY argument\n");
    assert.equal(
      (await run(kvPutCommand, ["a", "b", "c"])).err,
      "Error! Too many arguments (expected 1 or 2, got 3)\n",
    );
  });

  test("put reports a server error after 'Error! Failed writing data'", async () => {
    fake.failNext("PUT", "/v1/kv/k", 403, "Permission denied");
    assert.deepEqual(await run(kvPutCommand, ["k", "v"]), {
      code: 1,
      out: "",
      err: "Error! Failed writing data: Unexpected response code: 403 (Permission denied)\n",
    });
  });

  test("get of a missing key fails with 'No key exists'; no key at all is a missing argument", async () => {
    assert.deepEqual(await run(kvGetCommand, ["nope"]), {
      code: 1,
      out: "",
      err: "Error! No key exists at: nope\n",
    });
    assert.equal((await run(kvGetCommand, [])).err, "Error! Missing KEY argument\n");
    assert.equal(
      (await run(kvGetCommand, ["a", "b"])).err,
      "Too many arguments (expected 1, got 2)\n",
    );
  });

  test("get -detailed prints the metadata block aligned like Consul's tabwriter", async () => {
    await run(kvPutCommand, ["-flags=42", "app/color", "blue"]);
    const entry = fake.kv.get("app/color")!;
    const { code, out } = await run(kvGetCommand, ["-detailed", "app/color"]);
    assert.equal(code, 0);
    assert.equal(
      out,
      `CreateIndex      ${entry.createIndex}\n` +
        "Flags            42\n" +
        "Key              app/color\n" +
        "LockIndex        0\n" +
        `ModifyIndex      ${entry.modifyIndex}\n` +
        "Session          -\n" +
        "Value            blue\n",
    );
  });

  test("get -recurse prints key:value lines; -base64 encodes the values", async () => {
    await run(kvPutCommand, ["tree/a", "1"]);
    await run(kvPutCommand, ["tree/b/c", "2"]);
    assert.deepEqual(await run(kvGetCommand, ["-recurse", "tree/"]), {
      code: 0,
      out: "tree/a:1\ntree/b/c:2\n",
      err: "",
    });
    assert.equal(fake.last.query, "recurse=");
    assert.equal(
      (await run(kvGetCommand, ["-recurse", "-base64", "tree/"])).out,
      "tree/a:MQ==\ntree/b/c:Mg==\n",
    );
  });

  test("get -recurse -detailed separates the blocks by a blank line", async () => {
    await run(kvPutCommand, ["t/a", "1"]);
    await run(kvPutCommand, ["t/b", "2"]);
    const { out } = await run(kvGetCommand, ["-recurse", "-detailed", "t/"]);
    const blocks = out.trimEnd().split("\n\n");
    assert.equal(blocks.length, 2);
    assert.match(blocks[0], /^CreateIndex {6}\d+\n[\s\S]*Key {14}t\/a\n[\s\S]*Value {12}1$/);
    assert.match(blocks[1], /Key {14}t\/b\n[\s\S]*Value {12}2$/);
  });

  test("get -keys lists names folded at the separator; the prefix may be empty", async () => {
    await run(kvPutCommand, ["x/a", "1"]);
    await run(kvPutCommand, ["x/b/c", "2"]);
    assert.equal((await run(kvGetCommand, ["-keys", "x/"])).out, "x/a\nx/b/\n");
    assert.equal(fake.last.query, "keys=&separator=%2F");
    assert.equal((await run(kvGetCommand, ["-keys", "-separator=", "x/"])).out, "x/a\nx/b/c\n");
    assert.equal((await run(kvGetCommand, ["-keys"])).out, "x/\n");
    assert.equal(fake.last.path, "/v1/kv/");
  });

  test("get -datacenter and -stale reach the query", async () => {
    await run(kvPutCommand, ["dc/key", "v"]);
    await run(kvGetCommand, ["-datacenter=dc1", "-stale", "dc/key"]);
    assert.equal(fake.last.query, "dc=dc1&stale=");
  });

  test("delete removes a key, a prefix with -recurse, and reports a CAS mismatch", async () => {
    await run(kvPutCommand, ["d/a", "1"]);
    await run(kvPutCommand, ["d/b", "1"]);
    assert.deepEqual(await run(kvDeleteCommand, ["d/a"]), {
      code: 0,
      out: "Success! Deleted key: d/a\n",
      err: "",
    });
    assert.equal(fake.last.method, "DELETE");
    assert.equal(fake.last.path, "/v1/kv/d/a");
    assert.equal(fake.last.query, "");
    assert.deepEqual(await run(kvDeleteCommand, ["-cas", "-modify-index=99999", "d/b"]), {
      code: 1,
      out: "",
      err: "Error! Did not delete key d/b: CAS failed\n",
    });
    assert.equal(fake.last.query, "cas=99999");
    assert.deepEqual(await run(kvDeleteCommand, ["-recurse", "d/"]), {
      code: 0,
      out: "Success! Deleted keys with prefix: d/\n",
      err: "",
    });
    assert.equal(fake.last.query, "recurse=");
    assert.equal(fake.kv.size, 0);
  });

  test("delete flag combinations are checked before any request", async () => {
    const before = fake.requests.length;
    assert.equal((await run(kvDeleteCommand, [])).err, "Error! Missing KEY argument\n");
    assert.equal(
      (await run(kvDeleteCommand, ["-cas", "k"])).err,
      "Cannot delete a key that does not exist. Provide a -modify-index greater than 0.\n",
    );
    assert.equal(
      (await run(kvDeleteCommand, ["-modify-index=3", "k"])).err,
      "Cannot specify -modify-index without -cas!\n",
    );
    assert.equal(
      (await run(kvDeleteCommand, ["-recurse", "-cas", "-modify-index=3", "k"])).err,
      "Cannot specify both -cas and -recurse!\n",
    );
    assert.equal(fake.requests.length, before);
  });
});
