/**
 * Federation states: per datacenter, the mesh gateways other datacenters dial. Written by
 * the primary's FSM (directly or via replication) and read by the gateway locator.
 *
 * @module
 */

import { deepFreeze, optCount, requireName } from "./_rows_util.ts";
import type { Tables } from "./_tables.ts";
import type { FederationStateInput } from "./commands.ts";
import { StateError } from "./errors.ts";
import type { FederationStateRow, Indexed, JsonObject } from "./rows.ts";
import type { WatchSet } from "./watch.ts";

function gatewaysOf(value: unknown): JsonObject[] {
  if (value === undefined || value === null) return [];
  const ok = Array.isArray(value) &&
    value.every((item) => typeof item === "object" && item !== null && !Array.isArray(item));
  if (!ok) {
    throw new StateError(
      "invalid_input",
      "Federation state MeshGateways must be an array of CheckServiceNode objects",
    );
  }
  return structuredClone(value) as JsonObject[];
}

/**
 * Stores a datacenter's federation state. A `PrimaryModifyIndex` of 0 (a direct write in
 * the primary) becomes the new ModifyIndex; replication passes the primary's index instead.
 *
 * @throws {StateError} when the datacenter is missing or a field has the wrong type.
 */
export function upsertFederationState(t: Tables, input: FederationStateInput): void {
  const datacenter = requireName(input?.Datacenter, "Federation state Datacenter");
  if (typeof input.UpdatedAt !== "string") {
    throw new StateError("invalid_input", "Federation state UpdatedAt must be RFC 3339 text");
  }
  const existing = t.federationStates.get(datacenter);
  const index = t.tx.index;
  const primary = optCount(input.PrimaryModifyIndex, "Federation state PrimaryModifyIndex");
  t.federationStates.put(deepFreeze({
    Datacenter: datacenter,
    MeshGateways: gatewaysOf(input.MeshGateways),
    UpdatedAt: input.UpdatedAt,
    PrimaryModifyIndex: primary === 0 ? index : primary,
    CreateIndex: existing?.CreateIndex ?? index,
    ModifyIndex: index,
  }));
}

/** Deletes a datacenter's federation state; no-op when absent. */
export function deleteFederationState(t: Tables, datacenter: string): void {
  t.federationStates.remove(requireName(datacenter, "Federation state Datacenter"));
}

/** Reads of the federation states table. */
export class FederationStateReader {
  readonly #t: Tables;

  /** @internal Created by the store. */
  constructor(tables: Tables) {
    this.#t = tables;
  }

  #index(ws: WatchSet | undefined): number {
    ws?.addEncoded("t:federation-states");
    return this.#t.indexes.get("federation-states");
  }

  /** One datacenter's state, or null. */
  get(datacenter: string, ws?: WatchSet): Indexed<FederationStateRow | null> {
    return { index: this.#index(ws), value: this.#t.federationStates.get(datacenter) ?? null };
  }

  /** Every state, ordered by datacenter (empty array, never null). */
  list(ws?: WatchSet): Indexed<FederationStateRow[]> {
    return { index: this.#index(ws), value: this.#t.federationStates.all() };
  }

  /** Datacenter → its mesh gateways, only for datacenters with at least one. */
  meshGateways(ws?: WatchSet): Indexed<Record<string, readonly JsonObject[]>> {
    const value: Record<string, readonly JsonObject[]> = {};
    for (const row of this.#t.federationStates.all()) {
      if (row.MeshGateways.length > 0) value[row.Datacenter] = row.MeshGateways;
    }
    return { index: this.#index(ws), value };
  }
}
