/** Builds a LocalState wired to a fake catalog and clock. */

import { LocalState, type LocalStateConfig } from "../../src/agent/local/mod.ts";
import { FakeClock, fixedRandom } from "../_support/fake_clock.ts";
import { FakeCatalog } from "./_fakes.ts";

/** A local state for node "node1" plus the fakes behind it; `triggers` counts sync requests. */
export function localSetup(config: Partial<LocalStateConfig> = {}) {
  const clock = new FakeClock();
  const catalog = new FakeCatalog();
  const state = new LocalState(
    { nodeName: "node1", nodeId: "id-1", address: "10.0.0.1", datacenter: "dc1", ...config },
    { clock, random: fixedRandom(0), catalog },
  );
  const counter = { triggers: 0 };
  state.setSyncTrigger(() => counter.triggers++);
  return { clock, catalog, state, counter };
}
