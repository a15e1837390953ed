/**
 * The set of tables one store holds, created together around one transaction context.
 *
 * @module
 */

import { CheckTable, NodeTable, ServiceTable } from "./_catalog_tables.ts";
import { KvTable, LockDelayTable, TombstoneTable } from "./_kv_tables.ts";
import { CoordinateTable, FederationStateTable, SessionTable } from "./_other_tables.ts";
import { ReadMemo } from "./_read_memo.ts";
import { TxContext } from "./_tx.ts";
import { IndexTable } from "./indexes.ts";

/** Every table of a store; writers and readers take this. */
export interface Tables {
  readonly tx: TxContext;
  readonly indexes: IndexTable;
  readonly nodes: NodeTable;
  readonly services: ServiceTable;
  readonly checks: CheckTable;
  readonly sessions: SessionTable;
  readonly kvs: KvTable;
  readonly tombstones: TombstoneTable;
  readonly lockDelays: LockDelayTable;
  readonly federationStates: FederationStateTable;
  readonly coordinates: CoordinateTable;
  /** Memoized reads; the FSM drops entries by the watch keys each command touches. */
  readonly memo: ReadMemo;
}

/** Creates empty tables sharing one transaction context. */
export function createTables(): Tables {
  const tx = new TxContext();
  const indexes = new IndexTable(tx);
  return {
    tx,
    indexes,
    nodes: new NodeTable(tx, indexes),
    services: new ServiceTable(tx, indexes),
    checks: new CheckTable(tx, indexes),
    sessions: new SessionTable(tx, indexes),
    kvs: new KvTable(tx, indexes),
    tombstones: new TombstoneTable(tx, indexes),
    lockDelays: new LockDelayTable(tx),
    federationStates: new FederationStateTable(tx, indexes),
    coordinates: new CoordinateTable(tx, indexes),
    memo: new ReadMemo(tx),
  };
}
