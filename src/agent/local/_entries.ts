/** Sync bookkeeping records shared by `LocalState` and the sync routines. Private to the folder. */

import type { Timer } from "../../runtime/ports.ts";
import type { HealthCheck } from "../checks/health_check.ts";
import type { NodeService } from "./types.ts";

/** One service and its sync bookkeeping. */
export interface ServiceEntry {
  /** Undefined for a catalog-only service marked for removal. */
  service: NodeService | undefined;
  token: string;
  inSync: boolean;
  deleted: boolean;
  version: number;
}

/** One check and its sync bookkeeping. */
export interface CheckEntry {
  /** Undefined for a catalog-only check marked for removal. */
  check: HealthCheck | undefined;
  token: string;
  inSync: boolean;
  deleted: boolean;
  version: number;
  criticalSinceMs: number | undefined;
  deferTimer: Timer | undefined;
  reapAfterMs: number;
}
