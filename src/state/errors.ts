/**
 * Typed errors the state store returns for commands it refuses.
 *
 * @module
 */

/** Why the state store refused a command or an operation inside one. */
export type StateErrorCode =
  | "invalid_input"
  | "missing_node"
  | "missing_service"
  | "missing_check"
  | "missing_session"
  | "session_exists"
  | "check_critical"
  | "node_id_conflict"
  | "txn_too_large"
  | "bad_snapshot"
  | "bad_command";

/**
 * A command the store refused because of its input. The store is left exactly as it was
 * before the command; the Raft index is still consumed, as in Consul.
 */
export class StateError extends Error {
  /** Machine-readable reason. */
  readonly code: StateErrorCode;

  /** Creates the error; `message` follows Consul's text where one exists. */
  constructor(code: StateErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "StateError";
    this.code = code;
  }
}

/** Quotes a value the way Go's `%q` does for the plain strings Consul messages contain. */
export function quote(value: string): string {
  return JSON.stringify(value);
}
