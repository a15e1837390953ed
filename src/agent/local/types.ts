/** Records the local agent keeps and pushes to the catalog, in Consul's field names. */

/** A service instance registered on this agent, as Consul's `NodeService`. */
export interface NodeService {
  readonly ID: string;
  readonly Service: string;
  readonly Tags?: readonly string[];
  readonly Address?: string;
  readonly Meta?: Readonly<Record<string, string>>;
  readonly Port?: number;
  readonly EnableTagOverride?: boolean;
  readonly TaggedAddresses?: Readonly<Record<string, { Address: string; Port: number }>>;
  readonly Weights?: { readonly Passing: number; readonly Warning: number };
  /** "" for a typical service; "mesh-gateway" and friends otherwise. */
  readonly Kind?: string;
  /** Other Consul fields (Proxy, Connect, ...) are carried through untouched. */
  readonly [field: string]: unknown;
}

/** This node as the catalog should record it. */
export interface NodeInfo {
  readonly ID: string;
  readonly Node: string;
  readonly Address: string;
  readonly Datacenter: string;
  readonly TaggedAddresses: Readonly<Record<string, string>>;
  readonly Meta: Readonly<Record<string, string>>;
}
