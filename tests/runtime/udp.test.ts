import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { currentRuntime } from "../../src/runtime/current.ts";
import { first, within } from "./_helpers.ts";

describe("UDP", () => {
  test("a datagram round trip carries the data and the sender's address", async () => {
    const { net } = await currentRuntime();
    const a = await net.bindUdp({ hostname: "127.0.0.1", port: 0 });
    const b = await net.bindUdp({ hostname: "127.0.0.1", port: 0 });
    try {
      assert.ok(a.addr.port > 0 && b.addr.port > 0 && a.addr.port !== b.addr.port);
      const ping = new TextEncoder().encode("ping");
      const received = first(b);
      await a.send(ping, b.addr);
      const datagram = await within(received, 5000, "b should receive the ping");
      assert.deepEqual(datagram.data, ping);
      assert.deepEqual(datagram.from, a.addr);
      const answer = first(a);
      await b.send(new TextEncoder().encode("ack"), datagram.from);
      const back = await within(answer, 5000, "a should receive the ack");
      assert.equal(new TextDecoder().decode(back.data), "ack");
    } finally {
      await a.close();
      await b.close();
    }
  });

  test("binding a port already in use fails with the address in the message", async () => {
    const { net } = await currentRuntime();
    const a = await net.bindUdp({ hostname: "127.0.0.1", port: 0 });
    try {
      await assert.rejects(
        net.bindUdp({ hostname: "127.0.0.1", port: a.addr.port }),
        (error: Error) => error.message.includes(`127.0.0.1:${a.addr.port}`),
      );
    } finally {
      await a.close();
    }
  });
});
