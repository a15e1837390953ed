import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as net from "node:net";
import { splitHostPort, TcpCheck } from "../../src/agent/checks/mod.ts";
import { FakeClock, fixedRandom } from "../_support/fake_clock.ts";
import { RecordingNotifier } from "./_fakes.ts";
import { type RunnerPorts, runnerPorts } from "./_ports.ts";

describe("TCP check", () => {
  let server: net.Server;
  let port = 0;
  let ports: RunnerPorts;

  before(async () => {
    ports = await runnerPorts();
    server = net.createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as net.AddressInfo).port;
  });

  after(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  function tcpCheck(address: string) {
    const clock = new FakeClock();
    const notifier = new RecordingNotifier();
    const check = new TcpCheck({
      checkId: "tcp",
      address,
      intervalMs: 10_000,
      notifier,
      net: ports.net,
      clock,
      random: fixedRandom(0.5),
    });
    return { clock, notifier, check };
  }

  test("passes with 'TCP connect <addr>: Success' when the port accepts", async () => {
    const { notifier, check } = tcpCheck(`127.0.0.1:${port}`);
    await check.probe();
    assert.deepEqual(notifier.last, {
      checkId: "tcp",
      status: "passing",
      output: `TCP connect 127.0.0.1:${port}: Success`,
    });
  });

  test("is critical with the dial error when nothing listens", async () => {
    const closed = net.createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const deadPort = (closed.address() as net.AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const { notifier, check } = tcpCheck(`127.0.0.1:${deadPort}`);
    await check.probe();
    assert.equal(notifier.last?.status, "critical");
    assert.ok(notifier.last!.output.length > 0, "the dial error is the output");
  });

  test("first probe comes after the random stagger, then one per interval", async () => {
    const { clock, notifier, check } = tcpCheck(`127.0.0.1:${port}`);
    check.start();
    assert.deepEqual(clock.pendingDelays(), [5_000], "stagger is random × interval");
    await clock.advanceSettled(5_000);
    await notifier.waitForReports(1);
    await clock.advanceSettled(10_000);
    await notifier.waitForReports(2);
    check.stop();
    assert.deepEqual(clock.pendingDelays(), []);
  });

  test("addresses must be host:port", () => {
    assert.deepEqual(splitHostPort("[::1]:80"), { hostname: "::1", port: 80 });
    assert.deepEqual(splitHostPort("db.local:5432"), { hostname: "db.local", port: 5432 });
    assert.throws(() => splitHostPort("127.0.0.1"), /must be host:port/);
    assert.throws(() => splitHostPort("h:70000"), /must be host:port/);
  });
});
