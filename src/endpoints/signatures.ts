/**
 * The argument and reply type of each endpoint method, for typed in-process calls.
 *
 * @module
 */

import type {
  ChecksInStateRequest,
  DatacentersRequest,
  DCSpecificRequest,
  DeregisterRequest,
  IndexedCheckServiceNodes,
  IndexedCoordinates,
  IndexedDirEntries,
  IndexedHealthChecks,
  IndexedKeyList,
  IndexedNodes,
  IndexedNodeServices,
  IndexedServiceNodes,
  IndexedServices,
  IndexedSessions,
  KeyListRequest,
  KeyRequest,
  KVSRequest,
  NodeSpecificRequest,
  RegisterRequest,
  ServiceSpecificRequest,
  SessionRequest,
  SessionSpecificRequest,
  TxnReadRequest,
  TxnReadResponse,
  TxnRequest,
  TxnResponse,
} from "./types.ts";

/** The argument type of each method. */
export interface EndpointRequests {
  "Catalog.Register": RegisterRequest;
  "Catalog.Deregister": DeregisterRequest;
  "Catalog.ListDatacenters": DatacentersRequest;
  "Catalog.ListNodes": DCSpecificRequest;
  "Catalog.ListServices": DCSpecificRequest;
  "Catalog.ServiceNodes": ServiceSpecificRequest;
  "Catalog.NodeServices": NodeSpecificRequest;
  "Health.NodeChecks": NodeSpecificRequest;
  "Health.ServiceChecks": ServiceSpecificRequest;
  "Health.ServiceNodes": ServiceSpecificRequest;
  "Health.ChecksInState": ChecksInStateRequest;
  "KVS.Apply": KVSRequest;
  "KVS.Get": KeyRequest;
  "KVS.List": KeyRequest;
  "KVS.ListKeys": KeyListRequest;
  "Txn.Apply": TxnRequest;
  "Txn.Read": TxnReadRequest;
  "Session.Apply": SessionRequest;
  "Session.Get": SessionSpecificRequest;
  "Session.List": DCSpecificRequest;
  "Session.NodeSessions": NodeSpecificRequest;
  "Session.Renew": SessionSpecificRequest;
  "Status.Ping": Record<string, never> | null;
  "Status.Leader": Record<string, never> | null;
  "Status.Peers": Record<string, never> | null;
  "Coordinate.ListNodes": DCSpecificRequest;
  "Coordinate.Node": NodeSpecificRequest;
}

/** The reply type of each method (`null` is Consul's empty `struct{}` reply). */
export interface EndpointReplies {
  "Catalog.Register": null;
  "Catalog.Deregister": null;
  "Catalog.ListDatacenters": string[];
  "Catalog.ListNodes": IndexedNodes;
  "Catalog.ListServices": IndexedServices;
  "Catalog.ServiceNodes": IndexedServiceNodes;
  "Catalog.NodeServices": IndexedNodeServices;
  "Health.NodeChecks": IndexedHealthChecks;
  "Health.ServiceChecks": IndexedHealthChecks;
  "Health.ServiceNodes": IndexedCheckServiceNodes;
  "Health.ChecksInState": IndexedHealthChecks;
  /** False when a cas, lock, unlock or delete-cas did not happen. */
  "KVS.Apply": boolean;
  "KVS.Get": IndexedDirEntries;
  "KVS.List": IndexedDirEntries;
  "KVS.ListKeys": IndexedKeyList;
  "Txn.Apply": TxnResponse;
  "Txn.Read": TxnReadResponse;
  /** The session ID (created or destroyed). */
  "Session.Apply": string;
  "Session.Get": IndexedSessions;
  "Session.List": IndexedSessions;
  "Session.NodeSessions": IndexedSessions;
  /** `Sessions` is empty when the session does not exist (HTTP answers 404). */
  "Session.Renew": IndexedSessions;
  "Status.Ping": null;
  /** "host:port" of the leader, "" when none is known. */
  "Status.Leader": string;
  "Status.Peers": string[];
  "Coordinate.ListNodes": IndexedCoordinates;
  "Coordinate.Node": IndexedCoordinates;
}
