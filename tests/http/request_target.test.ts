import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { ApiRequest } from "../../src/http/request.ts";

const TARGETS = [
  "/v1/kv/a",
  "/v1/kv/a/../b",
  "/v1/kv/./a",
  "/v1/kv/..a",
  "/v1/kv/a/..",
  "/v1/kv/a%20b?x=1",
  "/v1/kv/a?recurse&x=%2F&x=2",
  "/v1/kv/%2e%2e/x",
  "/v1/kv/%C3%A4",
  "/v1/kv/a;b=c@d:e~!$'()*+,",
  "/v1/health/service/web?passing&tag=a&tag=b",
  "/",
];

describe("request targets", () => {
  test("path and query read as the URL parser reads them, decoded like Go's URL.Path", () => {
    for (const target of TARGETS) {
      const raw = new Request(`http://127.0.0.1:8500${target}`);
      const url = new URL(raw.url);
      const req = new ApiRequest(raw);
      assert.equal(req.path, decodeURIComponent(url.pathname), target);
      assert.deepEqual([...req.query], [...url.searchParams], target);
    }
  });

  test("a path that is not valid percent-encoding is a 400", () => {
    assert.throws(
      () => new ApiRequest(new Request("http://127.0.0.1:8500/v1/kv/%E0%A4%A")),
      (error: Error & { status?: number }) => error.status === 400,
    );
  });
});
