/**
 * Parser for HCL version 1, the configuration language of Consul's agent, producing the same
 * plain values Consul's decoder sees: attributes become properties, and every block
 * (`connect { ... }`, `ports = { ... }`, `service "web" { ... }`) becomes a list holding one
 * object per occurrence, labels nesting as keys. Lines of every key are recorded.
 *
 * Not supported, as in HCL 1: expressions, function calls, `for`, unquoted references.
 *
 * @module
 */
import { ConfigError } from "./errors.ts";
import { HclLexer, type Token, type TokenKind } from "./_hcl_lexer.ts";
import { type ParsedDocument, type PositionIndex, recordPosition } from "./positions.ts";

/** Deepest nesting of blocks and lists accepted; deeper input is rejected, not recursed into. */
export const MAX_HCL_NESTING_DEPTH = 64;

type Plain = Record<string, unknown>;

/**
 * Parses HCL 1 text into a plain object with key positions.
 *
 * @param src the file content.
 * @param file the name used in error messages.
 * @throws {ConfigError} with file and line on the first syntax error.
 * @example
 * ```ts
 * const { value } = parseHcl('connect { enabled = true }', "a.hcl");
 * // value: { connect: [{ enabled: true }] }
 * ```
 */
export function parseHcl(src: string, file: string): ParsedDocument {
  const parser = new HclParser(src, file);
  return { value: parser.parseDocument(), positions: parser.positions };
}

class HclParser {
  readonly positions: PositionIndex = new WeakMap();
  readonly #lexer: HclLexer;
  readonly #file: string;
  /** Keys set by blocks, which append; keys set by `=` with a non-object value overwrite. */
  readonly #blockKeys = new WeakMap<Plain, Set<string>>();
  #token: Token;

  constructor(src: string, file: string) {
    this.#lexer = new HclLexer(src, file);
    this.#file = file;
    this.#token = this.#lexer.next();
  }

  parseDocument(): Plain {
    const body = this.#objectBody(0, "");
    if (this.#token.kind !== "eof") throw this.#unexpected("a key", "");
    return body;
  }

  #take(): Token {
    const token = this.#token;
    this.#token = this.#lexer.next();
    return token;
  }

  #expect(kind: TokenKind, what: string, key: string): Token {
    if (this.#token.kind !== kind) throw this.#unexpected(what, key);
    return this.#take();
  }

  #unexpected(what: string, key: string): ConfigError {
    const token = this.#token;
    const found = token.kind === "eof" ? "the end of the file" : JSON.stringify(token.text);
    const where = key === "" ? "" : ` in "${key}"`;
    return new ConfigError({
      file: this.#file,
      line: token.line,
      key,
      detail: `Expected ${what}${where}, found ${found}`,
    });
  }

  #tooDeep(key: string): ConfigError {
    return new ConfigError({
      file: this.#file,
      line: this.#token.line,
      key,
      detail: `Nesting is deeper than ${MAX_HCL_NESTING_DEPTH} levels`,
    });
  }

  /** Items until `}` or the end of the file; the caller consumes the closing token. */
  #objectBody(depth: number, path: string): Plain {
    if (depth > MAX_HCL_NESTING_DEPTH) throw this.#tooDeep(path);
    const object: Plain = {};
    while (this.#token.kind !== "}" && this.#token.kind !== "eof") {
      this.#item(object, depth, path);
      if (this.#token.kind === ",") this.#take();
    }
    return object;
  }

  #item(object: Plain, depth: number, path: string): void {
    const keys: Token[] = [];
    while (this.#token.kind === "ident" || this.#token.kind === "string") keys.push(this.#take());
    if (keys.length === 0) throw this.#unexpected("a key", path);
    const name = String(keys[0].value);
    const keyPath = path === "" ? name : `${path}.${name}`;
    if (this.#token.kind === "=") {
      if (keys.length > 1) throw this.#unexpected(`"{" after the block labels`, keyPath);
      this.#take();
      const valueToken = this.#token;
      if (valueToken.kind === "{") {
        this.#addBlock(object, keys, this.#braced(depth, keyPath));
      } else {
        this.#setAttribute(object, keys[0], this.#value(depth, keyPath));
      }
      return;
    }
    if (this.#token.kind !== "{") throw this.#unexpected(`"=" or "{" after the key`, keyPath);
    this.#addBlock(object, keys, this.#braced(depth, keyPath));
  }

  #braced(depth: number, keyPath: string): Plain {
    this.#expect("{", `"{"`, keyPath);
    const body = this.#objectBody(depth + 1, keyPath);
    this.#expect("}", `"}" to close the block`, keyPath);
    return body;
  }

  #setAttribute(object: Plain, key: Token, value: unknown): void {
    const name = String(key.value);
    if (this.#blockKeys.get(object)?.has(name)) {
      throw new ConfigError({
        file: this.#file,
        line: key.line,
        key: name,
        detail: `"${name}" is given both as a block and as a plain value; give it one way`,
      });
    }
    object[name] = value;
    recordPosition(this.positions, object, name, key);
  }

  /** `key "label1" "label2" { body }` decodes as `key: [{ label1: [{ label2: [body] }] }]`. */
  #addBlock(object: Plain, keys: readonly Token[], body: Plain): void {
    let value: Plain[] = [body];
    for (let i = keys.length - 1; i >= 1; i--) {
      const wrapper: Plain = { [String(keys[i].value)]: value };
      recordPosition(this.positions, wrapper, String(keys[i].value), keys[i]);
      value = [wrapper];
    }
    const name = String(keys[0].value);
    const existing = object[name];
    const blockKeys = this.#blockKeys.get(object) ?? new Set<string>();
    this.#blockKeys.set(object, blockKeys);
    if (existing !== undefined && !blockKeys.has(name)) {
      throw new ConfigError({
        file: this.#file,
        line: keys[0].line,
        key: name,
        detail: `"${name}" is given both as a plain value and as a block; give it one way`,
      });
    }
    blockKeys.add(name);
    const list = existing === undefined ? [] : existing as unknown[];
    list.push(...value);
    object[name] = list;
    recordPosition(this.positions, list, list.length - 1, keys[0]);
    recordPosition(this.positions, object, name, keys[0]);
  }

  #value(depth: number, keyPath: string): unknown {
    const token = this.#token;
    switch (token.kind) {
      case "string":
      case "heredoc":
      case "number":
      case "bool":
        this.#take();
        return token.value;
      case "[":
        return this.#list(depth + 1, keyPath);
      case "{":
        return this.#braced(depth, keyPath);
      case "ident":
        throw new ConfigError({
          file: this.#file,
          line: token.line,
          key: keyPath,
          detail: `Unquoted value ${token.text} for "${keyPath}"; quote strings ("${token.text}")`,
        });
      default:
        throw this.#unexpected("a value", keyPath);
    }
  }

  #list(depth: number, keyPath: string): unknown[] {
    if (depth > MAX_HCL_NESTING_DEPTH) throw this.#tooDeep(keyPath);
    this.#expect("[", `"["`, keyPath);
    const list: unknown[] = [];
    while (this.#token.kind !== "]") {
      const line = this.#token;
      list.push(this.#value(depth, keyPath));
      recordPosition(this.positions, list, list.length - 1, line);
      if (this.#token.kind !== ",") break;
      this.#take();
    }
    this.#expect("]", `"," or "]" in the list`, keyPath);
    return list;
  }
}
