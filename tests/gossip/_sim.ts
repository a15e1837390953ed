/** Helpers for the simulated-network gossip tests. */

import { presets, SimNetwork, type SwimConfig } from "../../src/gossip/mod.ts";

/** Member names n0..n(count-1). */
export function memberNames(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `n${i}`);
}

/** A network of `count` members, each joined through n0 only, run until all see all alive. */
export function convergedNetwork(
  count: number,
  options: { seed: number; config?: SwimConfig; lossRate?: number; maxMs?: number },
): { net: SimNetwork; names: string[]; convergedMs: number } {
  const net = new SimNetwork({
    seed: options.seed,
    config: options.config ?? presets.sim,
    lossRate: options.lossRate,
  });
  const names = memberNames(count);
  for (const name of names) net.addMember(name);
  for (const name of names.slice(1)) net.join(name, ["n0"]);
  const convergedMs = net.runUntil((n) => n.allSee(names, "alive"), options.maxMs ?? 20_000);
  if (convergedMs === null) throw new Error(`${count} members did not converge to all-alive`);
  return { net, names, convergedMs };
}
