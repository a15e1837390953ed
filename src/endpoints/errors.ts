/**
 * The typed error every endpoint throws for a request it refuses, with a kind the HTTP layer
 * maps to a status code and a message (Consul's text where one exists) it sends as is.
 *
 * @module
 */

/** Why an endpoint refused a request; the HTTP status it maps to is in brackets. */
export type EndpointErrorKind =
  /** Malformed or invalid arguments [400]. */
  | "bad_request"
  /** The request is larger than allowed, e.g. too many transaction operations [413]. */
  | "too_large"
  /** No leader is known and the read did not allow stale answers [500]. */
  | "no_leader"
  /** The caller went away or the server is shutting down; nobody reads the answer [499]. */
  | "aborted"
  /** The request names a datacenter this server cannot reach [500]. */
  | "no_path"
  /** The write was refused by the state store or could not be applied [500]. */
  | "apply_failed";

/** A request an endpoint refused; `message` is meant for the caller. */
export class EndpointError extends Error {
  /** Machine-readable reason. */
  readonly kind: EndpointErrorKind;

  /** Creates the error with a sentence the caller can act on. */
  constructor(kind: EndpointErrorKind, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "EndpointError";
    this.kind = kind;
  }
}

/** Consul's `structs.ErrNoLeader` text. */
export const NO_LEADER_TEXT = "No cluster leader";

/** Consul's `structs.ErrNoDCPath` text. */
export const NO_PATH_TEXT = "No path to datacenter";

/** Throws a `bad_request` {@linkcode EndpointError}. */
export function badRequest(message: string): never {
  throw new EndpointError("bad_request", message);
}
