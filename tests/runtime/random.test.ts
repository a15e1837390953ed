import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { createSeededRandom } from "../../src/runtime/random.ts";
import { currentRuntime } from "../../src/runtime/current.ts";

describe("seeded random", () => {
  test("the same seed yields the same floats, ints and bytes", () => {
    const a = createSeededRandom(1234);
    const b = createSeededRandom(1234);
    for (let i = 0; i < 100; i++) assert.equal(a.float(), b.float());
    for (let i = 0; i < 100; i++) assert.equal(a.int(1000), b.int(1000));
    assert.deepEqual(a.bytes(37), b.bytes(37));
  });

  test("different seeds yield different sequences", () => {
    const a = createSeededRandom(1);
    const b = createSeededRandom(2);
    const seqA = Array.from({ length: 8 }, () => a.int(1 << 30));
    const seqB = Array.from({ length: 8 }, () => b.int(1 << 30));
    assert.notDeepEqual(seqA, seqB);
  });

  test("values stay in range and cover it", () => {
    const random = createSeededRandom(99);
    const seen = new Set<number>();
    for (let i = 0; i < 2000; i++) {
      const f = random.float();
      assert.ok(f >= 0 && f < 1, `float ${f} out of [0, 1)`);
      const n = random.int(7);
      assert.ok(Number.isInteger(n) && n >= 0 && n < 7, `int ${n} out of [0, 7)`);
      seen.add(n);
    }
    assert.equal(seen.size, 7);
    const big = random.int(2 ** 40);
    assert.ok(big >= 0 && big < 2 ** 40);
  });

  test("bytes has the requested length and is not constant", () => {
    const bytes = createSeededRandom(5).bytes(1000);
    assert.equal(bytes.length, 1000);
    assert.ok(new Set(bytes).size > 100);
  });

  test("bad bounds are rejected with a clear error", () => {
    const random = createSeededRandom(0);
    assert.throws(() => random.int(0), /positive integer bound/);
    assert.throws(() => random.bytes(-1), /non-negative integer count/);
    assert.throws(() => createSeededRandom(NaN), /finite number/);
  });
});

describe("os random", () => {
  test("runtime random gives in-range values and distinct byte strings", async () => {
    const { random } = await currentRuntime();
    assert.notDeepEqual(random.bytes(16), random.bytes(16));
    assert.equal(random.bytes(100_000).length, 100_000);
    for (let i = 0; i < 100; i++) {
      const n = random.int(3);
      assert.ok(n >= 0 && n < 3);
    }
  });
});
