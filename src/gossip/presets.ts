/**
 * Timing presets for the SWIM core: every interval, multiplier and limit in one struct.
 *
 * `lan` and `wan` carry hashicorp/memberlist's DefaultLANConfig / DefaultWANConfig values (and
 * Consul's serf-level reconnect and reap times); `sim` is small and fast for simulations.
 *
 * @module
 */

/** Every knob of the SWIM core. Times are milliseconds of the caller's clock. */
export interface SwimConfig {
  /** Time between two failure-detection probes (scaled up by poor local health). */
  readonly probeIntervalMs: number;
  /** Time to wait for a direct ack before asking other members to probe indirectly. */
  readonly probeTimeoutMs: number;
  /** How many members are asked to probe indirectly (PingReq) after a missed ack. */
  readonly indirectChecks: number;
  /** Suspicion lasts suspicionMult * max(1, log10(n)) * probeInterval at the least. */
  readonly suspicionMult: number;
  /** The longest suspicion is this multiple of the shortest (used with no confirmations). */
  readonly suspicionMaxTimeoutMult: number;
  /** Time between gossip rounds that send queued broadcasts. */
  readonly gossipIntervalMs: number;
  /** Members gossiped to per round. */
  readonly gossipNodes: number;
  /** Dead or left members still receive gossip for this long (so they can refute). */
  readonly gossipToTheDeadMs: number;
  /** Time between full-state push/pull exchanges (scaled up above 32 members). */
  readonly pushPullIntervalMs: number;
  /** A broadcast is sent retransmitMult * ceil(log10(n + 1)) times. */
  readonly retransmitMult: number;
  /** The local health score tops out at this multiplier minus one. */
  readonly awarenessMaxMultiplier: number;
  /** A failed member's name may be taken by a new address after this long; 0 = never. */
  readonly deadNodeReclaimTimeMs: number;
  /** Bytes available for one gossip packet (a UDP datagram on real networks). */
  readonly packetBudgetBytes: number;
  /** Ask the driver for a stream (TCP) ping to a member whose packet probes fail. */
  readonly tcpFallbackPing: boolean;
  /** How often a push/pull is attempted with one failed member, to heal partitions. */
  readonly reconnectIntervalMs: number;
  /** A failed member is forgotten ("reaped") after this long. */
  readonly reconnectTimeoutMs: number;
  /** A member that left is forgotten after this long. */
  readonly tombstoneTimeoutMs: number;
}

const SECOND_MS = 1000;
const HOUR_MS = 3600 * SECOND_MS;

const LAN: SwimConfig = Object.freeze({
  probeIntervalMs: 1 * SECOND_MS,
  probeTimeoutMs: 500,
  indirectChecks: 3,
  suspicionMult: 4,
  suspicionMaxTimeoutMult: 6,
  gossipIntervalMs: 200,
  gossipNodes: 3,
  gossipToTheDeadMs: 30 * SECOND_MS,
  pushPullIntervalMs: 30 * SECOND_MS,
  retransmitMult: 4,
  awarenessMaxMultiplier: 8,
  // memberlist's own default is 0 (never); Consul sets 30 s for both pools.
  deadNodeReclaimTimeMs: 30 * SECOND_MS,
  packetBudgetBytes: 1400,
  tcpFallbackPing: true,
  reconnectIntervalMs: 30 * SECOND_MS,
  reconnectTimeoutMs: 72 * HOUR_MS,
  tombstoneTimeoutMs: 24 * HOUR_MS,
});

const WAN: SwimConfig = Object.freeze({
  ...LAN,
  probeIntervalMs: 5 * SECOND_MS,
  probeTimeoutMs: 3 * SECOND_MS,
  suspicionMult: 6,
  gossipIntervalMs: 500,
  gossipNodes: 4,
  gossipToTheDeadMs: 60 * SECOND_MS,
  pushPullIntervalMs: 60 * SECOND_MS,
});

const SIM: SwimConfig = Object.freeze({
  probeIntervalMs: 100,
  probeTimeoutMs: 40,
  indirectChecks: 3,
  suspicionMult: 4,
  suspicionMaxTimeoutMult: 6,
  gossipIntervalMs: 20,
  gossipNodes: 3,
  gossipToTheDeadMs: 3 * SECOND_MS,
  pushPullIntervalMs: 3 * SECOND_MS,
  retransmitMult: 4,
  awarenessMaxMultiplier: 8,
  deadNodeReclaimTimeMs: 3 * SECOND_MS,
  packetBudgetBytes: 1400,
  tcpFallbackPing: false,
  reconnectIntervalMs: 1 * SECOND_MS,
  reconnectTimeoutMs: 60 * SECOND_MS,
  tombstoneTimeoutMs: 60 * SECOND_MS,
});

/** The three built-in presets: LAN and WAN as memberlist/Consul; `sim` for simulations. */
export const presets: {
  readonly lan: SwimConfig;
  readonly wan: SwimConfig;
  readonly sim: SwimConfig;
} = Object.freeze({ lan: LAN, wan: WAN, sim: SIM });

/** Raised when a {@linkcode SwimConfig} holds a value the core cannot run with. */
export class SwimConfigError extends Error {
  /** Builds the error. */
  constructor(message: string) {
    super(message);
    this.name = "SwimConfigError";
  }
}

/**
 * Checks that every timing is usable.
 * @throws {SwimConfigError} naming the first bad field and what is allowed.
 */
export function validateSwimConfig(config: SwimConfig): void {
  const positive: (keyof SwimConfig)[] = [
    "probeIntervalMs",
    "probeTimeoutMs",
    "suspicionMult",
    "suspicionMaxTimeoutMult",
    "gossipIntervalMs",
    "pushPullIntervalMs",
    "retransmitMult",
    "awarenessMaxMultiplier",
    "reconnectIntervalMs",
  ];
  for (const key of positive) {
    const value = config[key];
    if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
      throw new SwimConfigError(`Gossip setting ${key} must be a positive number, got ${value}`);
    }
  }
  const nonNegative: (keyof SwimConfig)[] = [
    "indirectChecks",
    "gossipNodes",
    "gossipToTheDeadMs",
    "deadNodeReclaimTimeMs",
    "reconnectTimeoutMs",
    "tombstoneTimeoutMs",
  ];
  for (const key of nonNegative) {
    const value = config[key];
    if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
      throw new SwimConfigError(`Gossip setting ${key} must be zero or more, got ${value}`);
    }
  }
  if (config.probeTimeoutMs >= config.probeIntervalMs) {
    throw new SwimConfigError(
      `Gossip setting probeTimeoutMs (${config.probeTimeoutMs}) must be less than ` +
        `probeIntervalMs (${config.probeIntervalMs}) so indirect probes have time to answer`,
    );
  }
  if (config.packetBudgetBytes < 512 || config.packetBudgetBytes > 65_507) {
    throw new SwimConfigError(
      `Gossip setting packetBudgetBytes must be between 512 and 65507, got ${config.packetBudgetBytes}`,
    );
  }
}
