/**
 * WAN federation via mesh gateways, as a server runs it (`connect.enable_mesh_gateway_wan_federation`):
 * the gateway locator every cross-DC dial asks for an address, the `primary_gateways`
 * bootstrap in secondaries, and the leader's federation-state loops — anti-entropy in every
 * datacenter, replication from the primary in secondaries, pruning in the primary.
 *
 * @module
 */
import type { RuntimeConfig } from "../config/mod.ts";
import {
  FederationStateAntiEntropy,
  FederationStatePruner,
  FederationStateReplicator,
  GatewayLocator,
  refreshPrimaryGateways,
} from "../federation/mod.ts";
import type { Runtime } from "../runtime/ports.ts";
import type { Command } from "../state/mod.ts";
import type { DurableState } from "./durable_state.ts";
import { type Logger, toLogFn } from "./logger.ts";

/** Calls an RPC method in the primary datacenter (forwarded through the gateways). */
export type CallPrimary = (
  method: string,
  body: Record<string, unknown>,
  signal: AbortSignal,
) => Promise<unknown>;

/** The running federation machinery of one server. */
export class WanFederation {
  /** Answers `pickGateway(dc)` for every cross-DC dial. */
  readonly locator: GatewayLocator;
  readonly #stop = new AbortController();
  readonly #loops: Promise<unknown>[] = [];
  readonly #config: RuntimeConfig;
  readonly #runtime: Runtime;
  readonly #logger: Logger;

  /** Creates the locator and starts it and the `primary_gateways` refresh. */
  constructor(
    runtime: Runtime,
    options: { config: RuntimeConfig; state: DurableState; logger: Logger },
  ) {
    this.#config = options.config;
    this.#runtime = runtime;
    this.#logger = options.logger;
    const config = options.config;
    this.locator = new GatewayLocator({
      store: options.state.store,
      clock: runtime.clock,
      random: runtime.random,
      datacenter: config.datacenter,
      primaryDatacenter: config.primaryDatacenter,
      log: toLogFn(options.logger.named("gateway_locator")),
    });
    this.#loops.push(this.locator.run(this.#stop.signal));
    if (!this.isPrimary && config.primaryGateways.length > 0) {
      this.#loops.push(refreshPrimaryGateways(this.locator, {
        entries: [...config.primaryGateways],
        intervalMs: config.primaryGatewaysIntervalMs,
        clock: runtime.clock,
        signal: this.#stop.signal,
        log: toLogFn(options.logger.named("primary_gateways")),
      }));
    }
  }

  /** True in the primary datacenter. */
  get isPrimary(): boolean {
    return this.#config.datacenter === this.#config.primaryDatacenter;
  }

  /**
   * Starts the leader's loops: anti-entropy everywhere, replication in a secondary, pruning in
   * the primary.
   */
  startLeaderLoops(options: {
    state: DurableState;
    callPrimary: CallPrimary;
    hasDatacenter: (dc: string) => boolean;
  }): void {
    const { clock } = this.#runtime;
    const common = {
      store: options.state.store,
      clock,
      datacenter: this.#config.datacenter,
      primaryDatacenter: this.#config.primaryDatacenter,
      apply: (command: Command) => options.state.apply(command),
      callPrimary: options.callPrimary,
      replicationToken: () => this.#config.acl.tokens.replication ?? "",
    };
    const log = (name: string) => toLogFn(this.#logger.named(name));
    this.#loops.push(
      new FederationStateAntiEntropy({ ...common, log: log("federation_state_ae") }).run(
        this.#stop.signal,
      ),
    );
    if (this.isPrimary) {
      this.#loops.push(
        new FederationStatePruner({
          store: common.store,
          clock,
          apply: common.apply,
          hasDatacenter: options.hasDatacenter,
          log: log("federation_state_pruning"),
        }).run(this.#stop.signal),
      );
    } else {
      this.#loops.push(
        new FederationStateReplicator({
          ...common,
          health: this.locator,
          log: log("federation_state_replication"),
        })
          .run(this.#stop.signal),
      );
    }
  }

  /** Stops every loop and waits for them. */
  async stop(): Promise<void> {
    this.#stop.abort();
    await Promise.allSettled(this.#loops);
  }
}
