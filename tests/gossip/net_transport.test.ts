import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { NetTransport, NetTransportError } from "../../src/gossip/net_transport.ts";
import { currentRuntime } from "../../src/runtime/current.ts";
import { ByteReader } from "../../src/runtime/streams.ts";
import { waitFor } from "./_wan_helpers.ts";

function framed(text: string): Uint8Array {
  const body = new TextEncoder().encode(text);
  const out = new Uint8Array(4 + body.byteLength);
  new DataView(out.buffer).setUint32(0, body.byteLength);
  out.set(body, 4);
  return out;
}

describe("UDP+TCP gossip transport", () => {
  test("carries packets and framed streams on one port, refusing oversized frames", async () => {
    const { net, clock } = await currentRuntime();
    const bind = { hostname: "127.0.0.1", port: 0 };
    const a = await NetTransport.listen({ net, clock, bind });
    const b = await NetTransport.listen({ net, clock, bind, streamReadTimeoutMs: 500 });
    try {
      assert.equal(a.localAddr.port, a.boundAddr.port);
      const packets = b.packets()[Symbol.asyncIterator]();
      await a.sendPacket({ ...b.localAddr, name: "b.dc1" }, Uint8Array.of(1, 2, 3));
      const packet = await packets.next();
      assert.deepEqual(packet.value?.bytes, Uint8Array.of(1, 2, 3));
      assert.equal(packet.value?.from.port, a.localAddr.port);

      const streams = b.streams()[Symbol.asyncIterator]();
      const conn = await a.dialStream(b.localAddr, 2_000);
      const writer = conn.writable.getWriter();
      await writer.write(framed("push-pull"));
      const accepted = (await streams.next()).value!;
      const reader = new ByteReader(accepted.conn.readable);
      assert.deepEqual([...await reader.readExactly(13)], [...framed("push-pull")]);
      accepted.conn.close();
      conn.close();

      const huge = await net.dialTcp({ ...b.localAddr, timeoutMs: 2_000 });
      await huge.writable.getWriter().write(Uint8Array.of(0x7f, 0xff, 0xff, 0xff));
      const stalled = await net.dialTcp({ ...b.localAddr, timeoutMs: 2_000 });
      await waitFor(
        clock,
        "both bad streams are rejected",
        () => b.counters.snapshot().streamsRejected === 2,
      );
      assert.equal(await new ByteReader(stalled.readable).atEof(), true);
      huge.close();
      stalled.close();
      assert.deepEqual(
        [b.counters.snapshot().streamsAccepted, b.counters.snapshot().packetsReceived],
        [1, 1],
      );
    } finally {
      await a.close();
      await b.close();
    }
  });

  test("a wildcard bind needs an advertise address", async () => {
    const { net, clock } = await currentRuntime();
    await assert.rejects(
      NetTransport.listen({ net, clock, bind: { hostname: "0.0.0.0", port: 0 } }),
      (e: unknown) => e instanceof NetTransportError && /advertise address/.test(e.message),
    );
  });
});
