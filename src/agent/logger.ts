/**
 * Consul-style structured log lines:
 * `2026-11-26T14:28:29.123Z [INFO]  agent.http: listening: address=127.0.0.1:8500`.
 *
 * A logger is cheap to derive (`logger.named("http")`), filters by level, and writes through a
 * sink function so the agent decides where lines go (stdout, a test buffer).
 *
 * @module
 */
import type { Clock } from "../runtime/ports.ts";

/** Log levels, as Consul names them, most verbose first. */
export const LOG_LEVELS = ["TRACE", "DEBUG", "INFO", "WARN", "ERROR"] as const;

/** One of {@linkcode LOG_LEVELS}. */
export type LogLevel = typeof LOG_LEVELS[number];

/** Key/value context appended to a line. */
export type LogFields = Record<string, string | number | boolean | null | undefined>;

/** A named logger. */
export interface Logger {
  trace(message: string, fields?: LogFields): void;
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** A logger whose name is this one's plus `.name`. */
  named(name: string): Logger;
}

/** Options for {@linkcode createLogger}. */
export interface LoggerOptions {
  readonly level: LogLevel;
  readonly clock: Clock;
  /** Receives each complete line, newline included. */
  readonly sink: (line: string) => void;
  readonly name?: string;
}

/**
 * Creates a logger.
 *
 * @example
 * ```ts
 * const lines: string[] = [];
 * const log = createLogger({ level: "INFO", clock, sink: (l) => lines.push(l), name: "agent" });
 * log.named("http").info("listening", { address: "127.0.0.1:8500" });
 * ```
 */
export function createLogger(options: LoggerOptions): Logger {
  const threshold = LOG_LEVELS.indexOf(options.level);
  const write = (level: LogLevel, message: string, fields?: LogFields) => {
    if (LOG_LEVELS.indexOf(level) < threshold) return;
    const time = new Date(options.clock.now()).toISOString();
    const label = `[${level}]`.padEnd(7);
    const prefix = options.name ? `${options.name}: ` : "";
    options.sink(`${time} ${label} ${prefix}${message}${formatFields(fields)}\n`);
  };
  return {
    trace: (message, fields) => write("TRACE", message, fields),
    debug: (message, fields) => write("DEBUG", message, fields),
    info: (message, fields) => write("INFO", message, fields),
    warn: (message, fields) => write("WARN", message, fields),
    error: (message, fields) => write("ERROR", message, fields),
    named: (name) =>
      createLogger({ ...options, name: options.name ? `${options.name}.${name}` : name }),
  };
}

/** The `(level, message, fields)` log function many components take instead of a Logger. */
export type LogFn = (
  level: "debug" | "info" | "warn" | "error",
  message: string,
  fields?: Readonly<Record<string, unknown>>,
) => void;

/** Adapts a logger to a {@linkcode LogFn}. */
export function toLogFn(logger: Logger): LogFn {
  return (level, message, fields) => logger[level](message, fields as LogFields | undefined);
}

/**
 * Parses a level name as Consul accepts it (case-insensitive; `warning` and `err` too).
 *
 * @returns the level, or `undefined` when the name is not a level.
 */
export function parseLogLevel(name: string): LogLevel | undefined {
  const upper = name.trim().toUpperCase();
  if (upper === "WARNING") return "WARN";
  if (upper === "ERR") return "ERROR";
  return (LOG_LEVELS as readonly string[]).includes(upper) ? upper as LogLevel : undefined;
}

function formatFields(fields: LogFields | undefined): string {
  if (!fields) return "";
  const parts = Object.entries(fields)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => {
      const text = String(value);
      return `${key}=${/[\s"]/.test(text) ? JSON.stringify(text) : text}`;
    });
  return parts.length > 0 ? `: ${parts.join(" ")}` : "";
}
