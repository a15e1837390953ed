import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import {
  createNodeHttpProber,
  HttpCheck,
  type HttpCheckOptions,
} from "../../src/agent/checks/mod.ts";
import { FakeClock, fixedRandom } from "../_support/fake_clock.ts";
import { RecordingNotifier } from "./_fakes.ts";

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

describe("HTTP check", () => {
  let server: http.Server;
  let base = "";
  const seen: Seen[] = [];
  const hanging: http.ServerResponse[] = [];

  before(async () => {
    server = http.createServer((req, res) => {
      let body = "";
      req.on("data", (chunk) => body += chunk);
      req.on("end", () => {
        seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
        route(req.url!, res);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(async () => {
    for (const res of hanging) res.destroy();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  function route(url: string, res: http.ServerResponse): void {
    if (url === "/ok") return void res.writeHead(200, "OK").end("all good");
    if (url === "/busy") return void res.writeHead(429, "Too Many Requests").end("slow down");
    if (url === "/down") return void res.writeHead(503, "Service Unavailable").end("nope");
    if (url === "/big") return void res.writeHead(200, "OK").end("y".repeat(100_000));
    if (url === "/moved") return void res.writeHead(302, "Found", { Location: "/ok" }).end();
    if (url === "/hang") return void hanging.push(res);
    res.writeHead(404, "Not Found").end();
  }

  function httpCheck(options: Partial<HttpCheckOptions> & { url: string }) {
    const clock = new FakeClock();
    const notifier = new RecordingNotifier();
    const check = new HttpCheck({
      checkId: "http",
      intervalMs: 10_000,
      notifier,
      prober: createNodeHttpProber(),
      clock,
      random: fixedRandom(0),
      ...options,
    });
    return { clock, notifier, check };
  }

  test("2xx is passing with Consul's output format", async () => {
    const { notifier, check } = httpCheck({ url: `${base}/ok` });
    await check.probe();
    assert.deepEqual(notifier.last, {
      checkId: "http",
      status: "passing",
      output: `HTTP GET ${base}/ok: 200 OK Output: all good`,
    });
  });

  test("429 is warning and other codes are critical", async () => {
    const busy = httpCheck({ url: `${base}/busy` });
    await busy.check.probe();
    assert.equal(busy.notifier.last?.status, "warning");
    assert.equal(
      busy.notifier.last?.output,
      `HTTP GET ${base}/busy: 429 Too Many Requests Output: slow down`,
    );
    const down = httpCheck({ url: `${base}/down` });
    await down.check.probe();
    assert.equal(down.notifier.last?.status, "critical");
  });

  test("sends the method, headers and body, with Consul's User-Agent and Accept", async () => {
    const { check } = httpCheck({
      url: `${base}/ok`,
      method: "PUT",
      header: { "X-Probe": ["yes"] },
      body: "ping",
    });
    await check.probe();
    const request = seen.at(-1)!;
    assert.equal(request.method, "PUT");
    assert.equal(request.body, "ping");
    assert.equal(request.headers["x-probe"], "yes");
    assert.equal(request.headers["user-agent"], "Consul Health Check");
    assert.equal(request.headers["accept"], "text/plain, text/*, */*");
  });

  test("keeps at most 4 KiB of the body in the output", async () => {
    const { notifier, check } = httpCheck({ url: `${base}/big` });
    await check.probe();
    const prefix = `HTTP GET ${base}/big: 200 OK Output: `;
    assert.equal(notifier.last?.output, prefix + "y".repeat(4096));
  });

  test("follows redirects and reports the final response under the configured URL", async () => {
    const { notifier, check } = httpCheck({ url: `${base}/moved` });
    await check.probe();
    assert.equal(notifier.last?.status, "passing");
    assert.equal(notifier.last?.output, `HTTP GET ${base}/moved: 200 OK Output: all good`);
  });

  test("a server that does not answer in time makes the check critical", async () => {
    const { clock, notifier, check } = httpCheck({ url: `${base}/hang`, timeoutMs: 2_000 });
    const probe = check.probe();
    await clock.advanceSettled(1_999);
    assert.equal(notifier.reports.length, 0);
    await clock.advanceSettled(1);
    await probe;
    assert.equal(notifier.last?.status, "critical");
    assert.equal(notifier.last?.output, `Get "${base}/hang": request timed out after 2000ms`);
  });

  test("a refused connection is critical with the transport error", async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const { notifier, check } = httpCheck({ url: `http://127.0.0.1:${port}/` });
    await check.probe();
    assert.equal(notifier.last?.status, "critical");
    assert.match(notifier.last!.output, new RegExp(`^Get "http://127.0.0.1:${port}/": `));
  });
});
