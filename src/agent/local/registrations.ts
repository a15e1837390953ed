/**
 * What the agent was asked to register through its API, kept so a restart brings the same
 * services and checks back (Consul persists them under `data_dir/services` and `checks`).
 * Without this, a restarted server forgot its mesh gateways' registrations and federation
 * through them broke until every gateway restarted too.
 *
 * The journal is one JSON file replaced atomically on every change; a damaged file stops the
 * start with an error naming it, rather than silently dropping what it held.
 *
 * @module
 */
import type { FileSystem } from "../../runtime/ports.ts";
import type { CheckSource } from "../checks/check_manager.ts";
import type { CheckDefinition } from "../checks/definition.ts";
import type { NodeService } from "./types.ts";

/** A service registration as it was made. */
export interface ServiceRegistrationRecord {
  readonly service: NodeService;
  readonly checks: readonly CheckDefinition[];
  readonly token: string;
  readonly source: CheckSource;
}

/** A check registered on its own (`/v1/agent/check/register`). */
export interface CheckRegistrationRecord {
  readonly check: CheckDefinition;
  readonly token: string;
  readonly source: CheckSource;
}

/** Maintenance mode turned on through the API: for one service, or (`serviceId` "") the node. */
export interface MaintenanceRecord {
  readonly serviceId: string;
  readonly reason: string;
  readonly token: string;
}

/** Everything the journal holds. */
export interface Registrations {
  readonly services: readonly ServiceRegistrationRecord[];
  readonly checks: readonly CheckRegistrationRecord[];
  /** Absent in journals written before maintenance mode was kept; read as none. */
  readonly maintenance: readonly MaintenanceRecord[];
}

/** What a journal holds when nothing was registered. */
export const NO_REGISTRATIONS: Registrations = { services: [], checks: [], maintenance: [] };

/** The journal file's format version. */
const JOURNAL_VERSION = 1;
/** Largest journal accepted on load; far above any real agent's registrations. */
export const MAX_JOURNAL_BYTES = 64 * 1024 * 1024;

/** A JSON file holding the agent's registrations. */
export class RegistrationJournal {
  readonly #fs: FileSystem;
  readonly #path: string;
  #writing: Promise<void> = Promise.resolve();

  constructor(fs: FileSystem, path: string) {
    this.#fs = fs;
    this.#path = path;
  }

  /**
   * Reads the journal; an absent file means nothing was registered.
   *
   * @throws {Error} naming the file when it is not a journal (it is left in place).
   */
  async load(): Promise<Registrations> {
    const info = await this.#fs.stat(this.#path);
    if (!info) return NO_REGISTRATIONS;
    if (info.size > MAX_JOURNAL_BYTES) {
      throw new Error(`${this.#path} is ${info.size} bytes; at most ${MAX_JOURNAL_BYTES} are read`);
    }
    let parsed: { version?: unknown; services?: unknown; checks?: unknown; maintenance?: unknown };
    try {
      parsed = JSON.parse(await this.#fs.readTextFile(this.#path));
    } catch (error) {
      throw new Error(`${this.#path} is not valid JSON: ${(error as Error).message}`);
    }
    const maintenance = parsed.maintenance ?? [];
    if (
      parsed.version !== JOURNAL_VERSION || !Array.isArray(parsed.services) ||
      !Array.isArray(parsed.checks) || !Array.isArray(maintenance)
    ) {
      throw new Error(`${this.#path} is not a version ${JOURNAL_VERSION} registrations journal`);
    }
    return { services: parsed.services, checks: parsed.checks, maintenance } as Registrations;
  }

  /** Replaces the journal with `registrations`; writes happen in call order. */
  save(registrations: Registrations): Promise<void> {
    const text = JSON.stringify({ version: JOURNAL_VERSION, ...registrations }, null, 2) + "\n";
    this.#writing = this.#writing.catch(() => {}).then(() =>
      this.#fs.writeFileAtomic(this.#path, text)
    );
    return this.#writing;
  }
}
