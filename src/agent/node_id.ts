/**
 * The node's ID: a UUID chosen once and kept in `<data_dir>/node-id`, as Consul does, so a
 * restarted server is the same node in the catalog. `-dev` agents get a fresh one per start.
 *
 * @module
 */
import type { Runtime } from "../runtime/ports.ts";
import { randomUuid } from "../runtime/random.ts";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Reads the node ID from `dataDir`, creating it on first start.
 *
 * @throws {Error} when the file exists but does not hold a UUID (naming the file).
 */
export async function loadNodeId(runtime: Runtime, dataDir: string | null): Promise<string> {
  if (dataDir === null) return randomUuid(runtime.random);
  const path = `${dataDir}/node-id`;
  if (await runtime.fs.stat(path)) {
    const text = (await runtime.fs.readTextFile(path)).trim().toLowerCase();
    if (!UUID.test(text)) {
      throw new Error(`${path} does not hold a node ID (a UUID); found "${text.slice(0, 40)}"`);
    }
    return text;
  }
  await runtime.fs.mkdir(dataDir, { recursive: true, mode: 0o700 });
  const id = randomUuid(runtime.random);
  await runtime.fs.writeFileAtomic(path, id);
  return id;
}
