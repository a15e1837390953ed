import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { ByteReader, connPair } from "../../src/runtime/streams.ts";
import {
  encodeRequest,
  encodeResponse,
  readRequest,
  readResponse,
  RpcCodecError,
} from "../../src/rpc/codec.ts";
import { RpcRegistry, type ServeOutcome, serveStream } from "../../src/rpc/endpoints.ts";
import { RpcClient, RpcError } from "../../src/rpc/client.ts";
import { encode } from "@msgpack/msgpack";
import { sessionPair, waitFor } from "./_helpers.ts";

function readerOf(...chunks: Uint8Array[]): ByteReader {
  return new ByteReader(
    new ReadableStream({
      start(controller) {
        for (const chunk of chunks) controller.enqueue(chunk);
        controller.close();
      },
    }),
  );
}

function framed(payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + payload.byteLength);
  new DataView(out.buffer).setUint32(0, payload.byteLength);
  out.set(payload, 4);
  return out;
}

/** A client and a server joined by yamux, serving `registry`; outcomes are recorded. */
function rpcPair(registry: RpcRegistry) {
  const { client, server, clock } = sessionPair();
  const outcomes: ServeOutcome[] = [];
  const serving = (async () => {
    for await (const stream of server) {
      serveStream(stream, registry, { sourceDc: "dc2" }).then((o) => outcomes.push(o));
    }
  })();
  const rpc = new RpcClient(client, { clock });
  return { rpc, client, server, clock, outcomes, serving };
}

describe("rpc codec", () => {
  test("requests and responses round-trip through the length-prefixed msgpack frame", async () => {
    const request = { method: "Catalog.ListServices", seq: 7, body: { Datacenter: "dc1" } };
    const response = { seq: 7, error: null, body: { consul: [], web: ["v1"] } };
    const bytes = encodeRequest(request);
    assert.equal(new DataView(bytes.buffer).getUint32(0), bytes.byteLength - 4);
    assert.deepEqual(await readRequest(readerOf(bytes)), request);
    assert.deepEqual(await readResponse(readerOf(encodeResponse(response))), response);
    const failed = { seq: 8, error: "Permission denied", body: null };
    assert.deepEqual(await readResponse(readerOf(encodeResponse(failed))), failed);
  });

  test("a message split into single bytes is reassembled", async () => {
    const bytes = encodeRequest({ method: "Status.Ping", seq: 1, body: "x".repeat(300) });
    const pieces = [...bytes].map((b) => Uint8Array.of(b));
    assert.equal((await readRequest(readerOf(...pieces)))?.body, "x".repeat(300));
  });

  test("an empty stream has no request", async () => {
    assert.equal(await readRequest(readerOf()), null);
  });

  test("Go's empty error string means success", async () => {
    const bytes = framed(encode({ Seq: 3, Error: "", Body: 1 }));
    assert.equal((await readResponse(readerOf(bytes))).error, null);
  });

  const malformed: Array<[string, Uint8Array, RegExp]> = [
    [
      "a message over the size limit",
      Uint8Array.of(0, 0, 4, 1),
      /1025 bytes exceeds the limit of 1024/,
    ],
    ["a zero length", Uint8Array.of(0, 0, 0, 0), /length 0/],
    ["a cut length prefix", Uint8Array.of(0, 0), /inside the length prefix/],
    ["a cut body", Uint8Array.of(0, 0, 0, 9, 1, 2), /after 2 of 9 bytes/],
    ["bytes that are not msgpack", framed(Uint8Array.of(0xc1)), /not valid msgpack/],
    ["a msgpack array", framed(encode([1, 2])), /must be a msgpack map/],
    ["a missing method", framed(encode({ Seq: 1 })), /ServiceMethod/],
    ["a negative seq", framed(encode({ ServiceMethod: "A.B", Seq: -1 })), /Seq/],
  ];
  for (const [what, bytes, message] of malformed) {
    test(`${what} is a codec error`, async () => {
      await assert.rejects(
        readRequest(readerOf(bytes), { maxMessageBytes: 1024 }),
        (e: unknown) => {
          assert.ok(e instanceof RpcCodecError);
          assert.match(e.message, message);
          return true;
        },
      );
    });
  }
});

describe("rpc registry and client", () => {
  test("a registered method is called with its body and context, and its result returned", async () => {
    const registry = new RpcRegistry();
    const seen: unknown[] = [];
    registry.register("Catalog.ListServices", (body, context) => {
      seen.push(body, context.sourceDc, context.method, context.signal.aborted);
      return { consul: [], web: ["v2"] };
    });
    const { rpc, client, serving, outcomes } = rpcPair(registry);
    const result = await rpc.call("Catalog.ListServices", { Datacenter: "dc1" });
    assert.deepEqual(result, { consul: [], web: ["v2"] });
    assert.deepEqual(seen, [{ Datacenter: "dc1" }, "dc2", "Catalog.ListServices", false]);
    await waitFor(() => outcomes.length === 1, "the server to finish");
    assert.deepEqual(outcomes, ["answered"]);
    await waitFor(() => client.streamCount === 0, "the stream to finish cleanly");
    client.close();
    await serving;
  });

  const lookups: Array<[string, string]> = [
    ["Status.Nope", "rpc: can't find method Status.Nope"],
    ["Nope.Ping", "rpc: can't find service Nope.Ping"],
    ["StatusPing", "rpc: service/method request ill-formed: StatusPing"],
  ];
  for (const [method, text] of lookups) {
    test(`calling ${method} fails with net/rpc's text "${text}"`, async () => {
      const registry = new RpcRegistry();
      registry.register("Status.Ping", () => true);
      const { rpc, client } = rpcPair(registry);
      await assert.rejects(rpc.call(method, {}), (error: unknown) => {
        assert.ok(error instanceof RpcError);
        assert.equal(error.kind, "remote");
        assert.equal(error.message, text);
        return true;
      });
      client.close();
    });
  }

  test("a handler's error text reaches the caller unchanged", async () => {
    const registry = new RpcRegistry();
    registry.register("KVS.Apply", () => Promise.reject(new Error("Permission denied")));
    const { rpc, client } = rpcPair(registry);
    await assert.rejects(rpc.call("KVS.Apply", {}), {
      kind: "remote",
      message: "Permission denied",
    });
    client.close();
  });

  test("a body parser's failure becomes the call's error and the handler never runs", async () => {
    const registry = new RpcRegistry();
    let ran = false;
    registry.register("Status.Echo", (body: string) => (ran = true, body), (raw) => {
      if (typeof raw !== "string") throw new Error("expected a string");
      return raw;
    });
    const { rpc, client } = rpcPair(registry);
    assert.equal(await rpc.call("Status.Echo", "hi"), "hi");
    ran = false;
    await assert.rejects(rpc.call("Status.Echo", 5), {
      kind: "remote",
      message: "Invalid argument for Status.Echo: expected a string",
    });
    assert.equal(ran, false);
    client.close();
  });

  test("registering a name twice or without a dot is refused", () => {
    const registry = new RpcRegistry();
    registry.register("Status.Ping", () => true);
    assert.throws(() => registry.register("Status.Ping", () => true), /already registered/);
    assert.throws(() => registry.register("Ping", () => true), /Service\.Method/);
  });

  test("many concurrent calls each get their own answer", async () => {
    const registry = new RpcRegistry();
    registry.register("Math.Double", (n) => (n as number) * 2);
    const { rpc, client } = rpcPair(registry);
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) => rpc.call("Math.Double", i)),
    );
    assert.deepEqual(results, Array.from({ length: 100 }, (_, i) => i * 2));
    client.close();
  });

  test("a call times out on the clock, resets its stream and aborts the handler", async () => {
    const registry = new RpcRegistry();
    let handlerSignal: AbortSignal | null = null;
    registry.register("Slow.Wait", (_body, context) => {
      handlerSignal = context.signal;
      return new Promise((resolve) => context.signal.addEventListener("abort", () => resolve(0)));
    });
    const { rpc, client, clock, outcomes } = rpcPair(registry);
    const call = rpc.call("Slow.Wait", {}, { timeoutMs: 5000 });
    await waitFor(() => handlerSignal !== null, "the handler to start");
    clock.advance(5000);
    await assert.rejects(call, {
      kind: "timeout",
      message: "RPC Slow.Wait got no answer within 5000 ms",
    });
    await waitFor(() => handlerSignal!.aborted, "the handler to be aborted");
    await waitFor(() => outcomes.length === 1, "the server to give up");
    assert.deepEqual(outcomes, ["abandoned"]);
    client.close();
  });

  test("an aborted signal fails the call with kind aborted", async () => {
    const registry = new RpcRegistry();
    registry.register("Slow.Wait", () => new Promise(() => {}));
    const { rpc, client } = rpcPair(registry);
    const controller = new AbortController();
    const call = rpc.call("Slow.Wait", {}, { signal: controller.signal });
    controller.abort();
    await assert.rejects(call, { kind: "aborted" });
    client.close();
  });

  test("a closed session fails calls with kind transport", async () => {
    const registry = new RpcRegistry();
    const { rpc, client } = rpcPair(registry);
    client.close();
    await assert.rejects(rpc.call("Status.Ping", {}), { kind: "transport" });
  });

  test("a malformed request is reset and reported, not answered", async () => {
    const registry = new RpcRegistry();
    const [a, b] = connPair();
    const serving = serveStream(b, registry);
    const writer = a.writable.getWriter();
    await writer.write(framed(encode(["not", "a", "map"])));
    assert.equal(await serving, "malformed");
  });

  test("a stream closed without a request is reported as empty", async () => {
    const registry = new RpcRegistry();
    const [a, b] = connPair();
    const serving = serveStream(b, registry);
    await a.writable.close();
    assert.equal(await serving, "empty");
  });
});
