import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { connect } from "node:net";
import nodeProcess from "node:process";
import { currentRuntime } from "../../src/runtime/current.ts";

describe("clock, process and HTTP", () => {
  test("the runtime names itself after the JavaScript runtime it runs on", async () => {
    const runtime = await currentRuntime();
    const expected = "Bun" in globalThis ? "bun" : "deno";
    assert.equal(runtime.name, expected);
    assert.equal(await currentRuntime(), runtime, "the runtime is created once");
  });

  test("sleep resolves after a timer and rejects with the abort reason", async () => {
    const { clock } = await currentRuntime();
    const start = clock.monotonicMs();
    await clock.sleep(5);
    assert.ok(clock.monotonicMs() >= start);
    const controller = new AbortController();
    const sleeping = clock.sleep(60_000, controller.signal);
    controller.abort(new Error("stop"));
    await assert.rejects(sleeping, /stop/);
    let fired = false;
    const timer = clock.setTimer(1, () => fired = true);
    timer.cancel();
    await clock.sleep(10);
    assert.equal(fired, false);
    assert.ok(Math.abs(clock.now() - Date.now()) < 60_000);
  });

  test("runCommand captures output and exit code, caps output, and kills on timeout", async () => {
    const { process } = await currentRuntime();
    const ok = await process.runCommand(["sh", "-c", "echo out; echo err >&2; exit 3"], {
      timeoutMs: 10_000,
      maxOutputBytes: 1024,
    });
    assert.equal(ok.code, 3);
    assert.equal(ok.timedOut, false);
    assert.match(ok.output, /out/);
    assert.match(ok.output, /err/);
    const capped = await process.runCommand(["sh", "-c", "yes | head -c 100000"], {
      timeoutMs: 10_000,
      maxOutputBytes: 10,
    });
    assert.equal(capped.output.length, 10);
    const slow = await process.runCommand(["sleep", "30"], { timeoutMs: 100, maxOutputBytes: 10 });
    assert.equal(slow.timedOut, true);
    assert.notEqual(slow.code, 0);
  });

  test("readStdin reads standard input to its end, on both runtimes, within its limit", async () => {
    const input = new Uint8Array(300_000).map((_, i) => (i * 7) % 251);
    let expectedSum = 0;
    for (const byte of input) expectedSum = (expectedSum * 31 + byte) >>> 0;
    const whole = await runReadStdin(input, 1_000_000);
    assert.deepEqual(whole, { code: 0, out: `${input.byteLength} ${expectedSum}\n` });
    const empty = await runReadStdin(new Uint8Array(0), 10);
    assert.deepEqual(empty, { code: 0, out: "0 0\n" });
    const tooBig = await runReadStdin(input, 1000);
    assert.deepEqual(tooBig, {
      code: 1,
      out: "error: standard input holds more than 1000 bytes\n",
    });
  });

  test("process facts are available", async () => {
    const { process } = await currentRuntime();
    assert.ok(process.pid > 0);
    assert.ok(Array.isArray(process.args));
    assert.ok(process.hostname().length > 0);
    assert.ok(process.cwd().length > 0);
    assert.equal(process.env("CONSULATE_SURELY_UNSET_VARIABLE"), undefined);
  });

  test("HTTP serve passes the remote address and shutdown waits for in-flight requests", async () => {
    const { http } = await currentRuntime();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => release = resolve);
    let started!: () => void;
    const requestStarted = new Promise<void>((resolve) => started = resolve);
    const server = await http.serve({
      hostname: "127.0.0.1",
      port: 0,
      handler: async (request, info) => {
        if (new URL(request.url).pathname === "/slow") {
          started();
          await gate;
        }
        return Response.json({ remote: info.remoteAddr.hostname });
      },
    });
    const base = `http://127.0.0.1:${server.addr.port}`;
    const quick = await fetch(`${base}/quick`);
    assert.deepEqual(await quick.json(), { remote: "127.0.0.1" });
    const slow = fetch(`${base}/slow`);
    await requestStarted;
    let shutDown = false;
    const stopping = server.shutdown().then(() => shutDown = true);
    release();
    const response = await slow;
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { remote: "127.0.0.1" });
    await stopping;
    assert.equal(shutDown, true);
  });
});

test("a command's timeout kills its whole process group, grandchildren included", async () => {
  const runtime = await currentRuntime();
  const started = performance.now();
  const result = await runtime.process.runCommand(["sh", "-c", "sleep 30; echo late"], {
    timeoutMs: 200,
    maxOutputBytes: 1024,
  });
  assert.equal(result.timedOut, true);
  assert.doesNotMatch(result.output, /late/);
  assert.ok(
    performance.now() - started < 10_000,
    "returned long before the grandchild's sleep ended",
  );
});

test("the HTTP server keeps a request open longer than Bun's default 10 s idle timeout", async () => {
  const runtime = await currentRuntime();
  const clock = runtime.clock;
  const server = await runtime.http.serve({
    hostname: "127.0.0.1",
    port: 0,
    handler: async () => {
      await clock.sleep(16_000);
      return new Response("late but here");
    },
  });
  try {
    // A raw socket, like many HTTP clients' long polls: no client-side keep-alive traffic.
    const reply = await new Promise<string>((resolve, reject) => {
      let text = "";
      const socket = connect(server.addr.port, "127.0.0.1", () => {
        socket.write("GET / HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n");
      });
      socket.on("data", (chunk) => (text += chunk));
      socket.on("close", () => resolve(text));
      socket.on("error", reject);
    });
    assert.match(reply, /late but here/);
  } finally {
    await server.shutdown();
  }
});

const READ_STDIN = new URL("../fixtures/read_stdin.ts", import.meta.url).pathname;

/** Runs the read_stdin fixture on this runtime with `input` piped in. */
function runReadStdin(input: Uint8Array, maxBytes: number): Promise<{ code: number; out: string }> {
  const isDeno = "Deno" in globalThis;
  const argv = isDeno
    ? ["run", "-A", READ_STDIN, String(maxBytes)]
    : [READ_STDIN, String(maxBytes)];
  return new Promise((resolve, reject) => {
    const child = spawn(nodeProcess.execPath, argv, { stdio: ["pipe", "pipe", "inherit"] });
    let out = "";
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (text: string) => out += text);
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? -1, out }));
    // The child may stop reading early (limit reached): a broken pipe is expected then.
    child.stdin.on("error", () => {});
    child.stdin.end(input);
  });
}
