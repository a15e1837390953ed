/**
 * A strict JSON (RFC 8259) parser that records the line of every object key and array element,
 * so configuration errors in JSON files can name a line as they do for HCL. `JSON.parse` reports
 * neither key positions nor, in every runtime, the line of a syntax error.
 *
 * @module
 */
import { ConfigError } from "./errors.ts";
import { type ParsedDocument, type PositionIndex, recordPosition } from "./positions.ts";

/** Deepest nesting of objects and arrays accepted. */
export const MAX_JSON_NESTING_DEPTH = 64;

const ESCAPES: Record<string, string> = {
  '"': '"',
  "\\": "\\",
  "/": "/",
  b: "\b",
  f: "\f",
  n: "\n",
  r: "\r",
  t: "\t",
};

/**
 * Parses a JSON configuration document; the top level must be an object.
 *
 * @throws {ConfigError} with file and line on the first syntax error.
 */
export function parseJson(src: string, file: string): ParsedDocument {
  const reader = new JsonReader(src, file);
  reader.skipSpace();
  const line = reader.line;
  const value = reader.value(0, "");
  reader.skipSpace();
  if (!reader.atEnd()) throw reader.fail("Unexpected text after the JSON document", "");
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new ConfigError({
      file,
      line,
      key: "",
      detail: "A JSON config file must hold an object",
    });
  }
  return { value: value as Record<string, unknown>, positions: reader.positions };
}

class JsonReader {
  readonly positions: PositionIndex = new WeakMap();
  readonly #src: string;
  readonly #file: string;
  #pos = 0;
  line = 1;

  constructor(src: string, file: string) {
    this.#src = src.startsWith("\uFEFF") ? src.slice(1) : src;
    this.#file = file;
  }

  atEnd(): boolean {
    return this.#pos >= this.#src.length;
  }

  fail(detail: string, key: string): ConfigError {
    return new ConfigError({ file: this.#file, line: this.line, key, detail });
  }

  skipSpace(): void {
    while (this.#pos < this.#src.length) {
      const ch = this.#src[this.#pos];
      if (ch === "\n") this.line++;
      else if (ch !== " " && ch !== "\t" && ch !== "\r") return;
      this.#pos++;
    }
  }

  value(depth: number, key: string): unknown {
    if (depth > MAX_JSON_NESTING_DEPTH) {
      throw this.fail(`Nesting is deeper than ${MAX_JSON_NESTING_DEPTH} levels`, key);
    }
    const ch = this.#src[this.#pos];
    if (ch === "{") return this.#object(depth, key);
    if (ch === "[") return this.#array(depth, key);
    if (ch === '"') return this.#string(key);
    for (const [word, literal] of [["true", true], ["false", false], ["null", null]] as const) {
      if (this.#src.startsWith(word, this.#pos)) {
        this.#pos += word.length;
        return literal;
      }
    }
    const number = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(
      this.#src.slice(this.#pos, this.#pos + 64),
    );
    if (number) {
      this.#pos += number[0].length;
      return Number(number[0]);
    }
    const found = this.atEnd() ? "the end of the file" : JSON.stringify(ch);
    throw this.fail(`Expected a JSON value${key ? ` for "${key}"` : ""}, found ${found}`, key);
  }

  #object(depth: number, path: string): Record<string, unknown> {
    const object: Record<string, unknown> = {};
    this.#pos++;
    this.skipSpace();
    if (this.#src[this.#pos] === "}") {
      this.#pos++;
      return object;
    }
    while (true) {
      this.skipSpace();
      if (this.#src[this.#pos] !== '"') throw this.fail("Expected a quoted key", path);
      const line = this.line;
      const name = this.#string(path);
      const keyPath = path === "" ? name : `${path}.${name}`;
      this.skipSpace();
      if (this.#src[this.#pos] !== ":") throw this.fail(`Expected ":" after "${name}"`, keyPath);
      this.#pos++;
      this.skipSpace();
      object[name] = this.value(depth + 1, keyPath);
      recordPosition(this.positions, object, name, { line, column: 0 });
      this.skipSpace();
      const next = this.#src[this.#pos++];
      if (next === "}") return object;
      if (next !== ",") throw this.fail(`Expected "," or "}" after "${keyPath}"`, keyPath);
    }
  }

  #array(depth: number, path: string): unknown[] {
    const array: unknown[] = [];
    this.#pos++;
    this.skipSpace();
    if (this.#src[this.#pos] === "]") {
      this.#pos++;
      return array;
    }
    while (true) {
      this.skipSpace();
      const line = this.line;
      array.push(this.value(depth + 1, path));
      recordPosition(this.positions, array, array.length - 1, { line, column: 0 });
      this.skipSpace();
      const next = this.#src[this.#pos++];
      if (next === "]") return array;
      if (next !== ",") throw this.fail(`Expected "," or "]" in the list "${path}"`, path);
    }
  }

  #string(key: string): string {
    let out = "";
    this.#pos++;
    while (true) {
      const ch = this.#src[this.#pos];
      if (ch === undefined || ch === "\n") throw this.fail("String is not terminated", key);
      this.#pos++;
      if (ch === '"') return out;
      if (ch !== "\\") {
        out += ch;
        continue;
      }
      const kind = this.#src[this.#pos++];
      if (kind in ESCAPES) {
        out += ESCAPES[kind];
      } else if (
        kind === "u" && /^[0-9a-fA-F]{4}$/.test(this.#src.slice(this.#pos, this.#pos + 4))
      ) {
        out += String.fromCharCode(parseInt(this.#src.slice(this.#pos, this.#pos + 4), 16));
        this.#pos += 4;
      } else {
        throw this.fail(`Invalid escape sequence "\\${kind ?? ""}" in string`, key);
      }
    }
  }
}
