import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { concatBytes, readAllBounded } from "../../src/runtime/read_all.ts";

function streamOf(chunks: number[][], onCancel: () => void = () => {}) {
  let next = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (next < chunks.length) controller.enqueue(Uint8Array.from(chunks[next++]));
      else controller.close();
    },
    cancel: onCancel,
  });
}

describe("reading a whole byte source", () => {
  test("concatBytes joins chunks, and cuts at a smaller total", () => {
    const chunks = [Uint8Array.from([1, 2]), Uint8Array.from([3]), Uint8Array.from([4, 5])];
    assert.deepEqual([...concatBytes(chunks)], [1, 2, 3, 4, 5]);
    assert.deepEqual([...concatBytes(chunks, 4)], [1, 2, 3, 4]);
    assert.deepEqual([...concatBytes([])], []);
  });

  test("readAllBounded returns everything within the limit", async () => {
    const bytes = await readAllBounded(streamOf([[1, 2], [3], [4, 5]]), 5, () => new Error("no"));
    assert.deepEqual([...bytes], [1, 2, 3, 4, 5]);
  });

  test("past the limit it stops reading, cancels the stream and throws the caller's error", async () => {
    let cancelled = false;
    const source = streamOf([[1, 2, 3], [4, 5, 6], [7, 8, 9]], () => cancelled = true);
    const seen: number[] = [];
    await assert.rejects(
      readAllBounded(source, 4, (size) => {
        seen.push(size);
        return new RangeError(`too big: ${size}`);
      }),
      { name: "RangeError", message: "too big: 6" },
    );
    assert.deepEqual(seen, [6], "the error is built once, with the bytes seen");
    assert.equal(cancelled, true, "the rest of the stream is not read");
  });
});
