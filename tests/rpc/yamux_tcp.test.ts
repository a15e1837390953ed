import { describe, test } from "node:test";
import assert from "node:assert/strict";
import type { Runtime } from "../../src/runtime/ports.ts";
import { currentRuntime } from "../../src/runtime/current.ts";
import { YamuxSession } from "../../src/rpc/yamux_session.ts";
import { RpcRegistry, serveStream } from "../../src/rpc/endpoints.ts";
import { RpcClient } from "../../src/rpc/client.ts";
import { patternBytes, readAll } from "./_helpers.ts";

async function loadRuntime(): Promise<Runtime | null> {
  try {
    return await currentRuntime();
  } catch {
    return null;
  }
}

const runtime = await loadRuntime();
const skip = runtime === null ? "no runtime adapter for this runtime yet" : false;

describe("yamux over loopback TCP", () => {
  test("RPC calls and a 4 MiB echo share one TCP connection", { skip }, async () => {
    const { net, clock } = runtime!;
    const listener = await net.listenTcp({ hostname: "127.0.0.1", port: 0 });
    const registry = new RpcRegistry();
    registry.register("Status.Ping", (_body, context) => context.remoteAddr.hostname);
    const serving = (async () => {
      for await (const conn of listener) {
        const session = new YamuxSession(conn, { role: "server", clock });
        for await (const stream of session) {
          if (stream.id === 1) stream.readable.pipeTo(stream.writable).catch(() => {});
          else serveStream(stream, registry);
        }
        return session;
      }
      return null;
    })();
    const conn = await net.dialTcp({ hostname: "127.0.0.1", port: listener.addr.port });
    const client = new YamuxSession(conn, { role: "client", clock });
    try {
      const echo = client.open();
      const payload = patternBytes(4 * 1024 * 1024, 3);
      const writer = echo.writable.getWriter();
      const echoed = readAll(echo.readable);
      const rpc = new RpcClient(client, { clock });
      const answers = await Promise.all([1, 2, 3].map(() => rpc.call("Status.Ping", {})));
      assert.deepEqual(answers, ["127.0.0.1", "127.0.0.1", "127.0.0.1"]);
      await writer.write(payload);
      await writer.close();
      const back = await echoed;
      assert.equal(back.byteLength, payload.byteLength);
      assert.ok(back.every((b, i) => b === payload[i]), "echoed bytes differ");
      assert.ok((await client.ping()) >= 0);
    } finally {
      client.close();
      await client.closed;
      const serverSession = await serving;
      assert.ok(serverSession && (await serverSession.closed) !== undefined);
      await listener.close();
    }
  });
});
