/**
 * The error type for bad configuration: every problem names the source (file), the line when the
 * parser knows it, and the key, so a person can go straight to the place to fix.
 *
 * @module
 */

/** One thing wrong with the configuration. */
export interface ConfigProblem {
  /** The file the value came from, or a description such as `command-line flags`. */
  readonly file: string;
  /** 1-based line in `file`, when known. */
  readonly line?: number;
  /** The dotted config key, e.g. `connect.enabled`, or `""` for a whole-file problem. */
  readonly key: string;
  /** Sentence-case description: what was given and what is allowed. */
  readonly detail: string;
}

/** Renders one problem as `file:line: detail`. */
export function formatProblem(problem: ConfigProblem): string {
  const where = problem.line === undefined ? problem.file : `${problem.file}:${problem.line}`;
  return `${where}: ${problem.detail}`;
}

/**
 * Bad configuration from outside: syntax errors, unknown keys, wrong types and broken cross-field
 * rules. Several problems found together are reported together; `file`, `line` and `key` describe
 * the first one.
 */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
  /** Every problem found, in source order. Never empty. */
  readonly problems: readonly ConfigProblem[];
  /** The file of the first problem. */
  readonly file: string;
  /** The line of the first problem, when known. */
  readonly line?: number;
  /** The key of the first problem. */
  readonly key: string;

  /** Creates an error for one or more problems. */
  constructor(problems: ConfigProblem | readonly ConfigProblem[]) {
    const list = Array.isArray(problems) ? [...problems] : [problems as ConfigProblem];
    if (list.length === 0) throw new Error("ConfigError needs at least one problem");
    const heading = list.length === 1 ? "" : `${list.length} configuration errors:\n`;
    super(heading + list.map(formatProblem).join("\n"));
    this.problems = Object.freeze(list);
    this.file = list[0].file;
    if (list[0].line !== undefined) this.line = list[0].line;
    this.key = list[0].key;
  }
}

/** Collects problems and throws them together. */
export class ProblemList {
  readonly #problems: ConfigProblem[] = [];

  /** Records a problem. */
  add(problem: ConfigProblem): void {
    this.#problems.push(problem);
  }

  /** Records every problem of a caught `ConfigError`; rethrows anything else. */
  addError(error: unknown): void {
    if (!(error instanceof ConfigError)) throw error;
    this.#problems.push(...error.problems);
  }

  /** True when nothing was recorded. */
  get empty(): boolean {
    return this.#problems.length === 0;
  }

  /** Throws a `ConfigError` holding everything recorded, if anything was. */
  throwIfAny(): void {
    if (this.#problems.length > 0) throw new ConfigError(this.#problems);
  }
}
