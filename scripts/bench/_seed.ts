/**
 * Fills a Consulate agent with the catalog and KV data the read benchmark measures, through
 * the public HTTP API (`PUT /v1/catalog/register`, `PUT /v1/kv/<key>`).
 *
 * Layout: services `svc-000`…`svc-NNN`, each with `instancesPerService` instances spread over
 * `nodes` nodes (a service's instances land on distinct nodes), one service check per
 * instance. The last instance of every service is critical, so `?passing` filters one out.
 * KV keys are `bench/key-0000`… with 64-byte values.
 *
 * @module
 */

/** Requests in flight while seeding. */
const SEED_CONCURRENCY = 16;
/** Bytes in each KV value. */
const KV_VALUE_BYTES = 64;

/** How much data to write. */
export interface SeedShape {
  readonly services: number;
  readonly instancesPerService: number;
  readonly nodes: number;
  readonly kvKeys: number;
}

/** Name of service number `i`. */
export function serviceName(i: number): string {
  return `svc-${String(i).padStart(3, "0")}`;
}

/** Name of KV key number `i`. */
export function kvKeyName(i: number): string {
  return `bench/key-${String(i).padStart(4, "0")}`;
}

function registration(shape: SeedShape, service: number, instance: number): unknown {
  // instance * (nodes / instancesPerService) keeps one service's instances on distinct nodes.
  const stride = Math.max(1, Math.floor(shape.nodes / shape.instancesPerService));
  const node = (service + instance * stride) % shape.nodes;
  const id = `${serviceName(service)}-${instance}`;
  const critical = instance === shape.instancesPerService - 1;
  return {
    Node: `node-${String(node).padStart(3, "0")}`,
    Address: `10.${Math.floor(node / 250)}.${node % 250}.10`,
    NodeMeta: { rack: `r${node % 8}` },
    Service: {
      ID: id,
      Service: serviceName(service),
      Tags: ["v1", `zone-${instance % 3}`],
      Port: 20000 + instance,
      Meta: { version: "1.0.0" },
    },
    Check: {
      CheckID: `service:${id}`,
      Name: `${id} health`,
      ServiceID: id,
      Status: critical ? "critical" : "passing",
      Output: critical ? "connection refused" : "HTTP GET /health: 200 OK",
    },
  };
}

async function put(url: string, body: string): Promise<void> {
  const response = await fetch(url, { method: "PUT", body });
  const text = await response.text();
  if (!response.ok) throw new Error(`PUT ${url} answered ${response.status}: ${text}`);
}

async function inPool(count: number, work: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) await work(next++);
  };
  await Promise.all(Array.from({ length: Math.min(SEED_CONCURRENCY, count) }, worker));
}

/**
 * Registers every instance and writes every key; returns the number of writes.
 * @throws when the agent rejects a write.
 */
export async function seedAgent(baseUrl: string, shape: SeedShape): Promise<number> {
  const instances = shape.services * shape.instancesPerService;
  await inPool(instances, async (i) => {
    const service = Math.floor(i / shape.instancesPerService);
    const body = registration(shape, service, i % shape.instancesPerService);
    await put(`${baseUrl}/v1/catalog/register`, JSON.stringify(body));
  });
  const value = "v".repeat(KV_VALUE_BYTES);
  await inPool(shape.kvKeys, (i) => put(`${baseUrl}/v1/kv/${kvKeyName(i)}`, value));
  return instances + shape.kvKeys;
}
