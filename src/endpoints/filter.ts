/**
 * A go-bexpr subset for Consul's `?filter=` parameter: a parser and an evaluator over the
 * reply rows (plain objects with Consul's field names).
 *
 * Grammar (bexpr's): `or`, `and`, `not`, parentheses, and match expressions
 * `Sel == V`, `Sel != V`, `Sel matches V`, `Sel not matches V`, `Sel contains V`,
 * `Sel not contains V`, `V in Sel`, `V not in Sel`, `Sel is empty`, `Sel is not empty`.
 * Selectors are dotted field names (`Service.Tags`, `Node.Meta.env`); a selector crossing a
 * list collects the field from every element (`Checks.Status`). Values are "double quoted"
 * (with escapes), `backquoted` (raw) or bare words and numbers.
 *
 * What it is not: bexpr's JSON-pointer selectors and `any`/`all` quantifiers are not supported,
 * and selectors are validated only by their first field.
 *
 * @module
 */

import { EndpointError } from "./errors.ts";

/** Longest filter expression accepted, in characters. */
export const MAX_FILTER_CHARS = 4096;

/** Deepest nesting of parentheses and `not` accepted. */
export const MAX_FILTER_DEPTH = 64;

/** A compiled filter: true keeps the row. */
export type RowFilter = (row: unknown) => boolean;

type MatchOp =
  | "=="
  | "!="
  | "matches"
  | "not matches"
  | "contains"
  | "not contains"
  | "in"
  | "not in"
  | "is empty"
  | "is not empty";

type Node =
  | { readonly kind: "and" | "or"; readonly left: Node; readonly right: Node }
  | { readonly kind: "not"; readonly operand: Node }
  | {
    readonly kind: "match";
    readonly op: MatchOp;
    readonly selector: readonly string[];
    readonly value: string;
    readonly pattern?: RegExp;
  };

type Token =
  | {
    readonly type: "word" | "string" | "op" | "paren";
    readonly text: string;
    readonly at: number;
  }
  | { readonly type: "end"; readonly text: ""; readonly at: number };

const WORD = /[A-Za-z0-9_\-/:]/;

class FilterSyntaxError extends Error {}

function fail(at: number, message: string): never {
  throw new FilterSyntaxError(`1:${at + 1} (${at}): ${message}`);
}

function readQuoted(source: string, start: number): [string, number] {
  const quote = source[start];
  let at = start + 1;
  let text = "";
  while (at < source.length && source[at] !== quote) {
    if (quote === '"' && source[at] === "\\") {
      const next = source[at + 1];
      const escapes: Record<string, string> = { n: "\n", t: "\t", r: "\r", '"': '"', "\\": "\\" };
      if (next === undefined || escapes[next] === undefined) fail(at, "invalid escape in string");
      text += escapes[next];
      at += 2;
      continue;
    }
    text += source[at++];
  }
  if (at >= source.length) fail(start, "unterminated string");
  return [text, at + 1];
}

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let at = 0;
  while (at < source.length) {
    const char = source[at];
    if (/\s/.test(char)) at++;
    else if (char === "(" || char === ")") tokens.push({ type: "paren", text: char, at: at++ });
    else if (source.startsWith("==", at) || source.startsWith("!=", at)) {
      tokens.push({ type: "op", text: source.slice(at, at + 2), at });
      at += 2;
    } else if (char === '"' || char === "`") {
      const [text, next] = readQuoted(source, at);
      tokens.push({ type: "string", text, at });
      at = next;
    } else if (WORD.test(char) || char === ".") {
      const start = at;
      while (at < source.length && (WORD.test(source[at]) || source[at] === ".")) at++;
      tokens.push({ type: "word", text: source.slice(start, at), at: start });
    } else fail(at, `unexpected character ${JSON.stringify(char)}`);
  }
  tokens.push({ type: "end", text: "", at: source.length });
  return tokens;
}

const KEYWORDS = new Set(["and", "or", "not", "in", "is", "empty", "matches", "contains"]);

class Parser {
  readonly #tokens: Token[];
  #pos = 0;
  #depth = 0;

  constructor(tokens: Token[]) {
    this.#tokens = tokens;
  }

  parse(): Node {
    const node = this.#or();
    const rest = this.#peek();
    if (rest.type !== "end") fail(rest.at, `unexpected ${JSON.stringify(rest.text)}`);
    return node;
  }

  #peek(offset = 0): Token {
    return this.#tokens[Math.min(this.#pos + offset, this.#tokens.length - 1)];
  }

  #isWord(text: string, offset = 0): boolean {
    const token = this.#peek(offset);
    return token.type === "word" && token.text === text;
  }

  #or(): Node {
    let left = this.#and();
    while (this.#isWord("or")) {
      this.#pos++;
      left = { kind: "or", left, right: this.#and() };
    }
    return left;
  }

  #and(): Node {
    let left = this.#unary();
    while (this.#isWord("and")) {
      this.#pos++;
      left = { kind: "and", left, right: this.#unary() };
    }
    return left;
  }

  #unary(): Node {
    const token = this.#peek();
    if (++this.#depth > MAX_FILTER_DEPTH) fail(token.at, "expression nests too deeply");
    try {
      if (this.#isWord("not")) {
        this.#pos++;
        return { kind: "not", operand: this.#unary() };
      }
      if (token.type === "paren" && token.text === "(") {
        this.#pos++;
        const inner = this.#or();
        const close = this.#peek();
        if (close.type !== "paren" || close.text !== ")") fail(close.at, 'expected ")"');
        this.#pos++;
        return inner;
      }
      return this.#match();
    } finally {
      this.#depth--;
    }
  }

  #value(): string {
    const token = this.#peek();
    if (token.type === "string" || (token.type === "word" && !KEYWORDS.has(token.text))) {
      this.#pos++;
      return token.text;
    }
    return fail(token.at, "expected a value");
  }

  #selector(): string[] {
    const token = this.#peek();
    if (token.type !== "word" || KEYWORDS.has(token.text) || !/^[A-Za-z_]/.test(token.text)) {
      return fail(token.at, "expected a selector");
    }
    const parts = token.text.split(".");
    if (parts.some((part) => part === "")) fail(token.at, `invalid selector ${token.text}`);
    this.#pos++;
    return parts;
  }

  #match(): Node {
    // `V in Sel` and `V not in Sel` put the value first.
    const inAt = this.#isWord("in", 1)
      ? 1
      : this.#isWord("not", 1) && this.#isWord("in", 2)
      ? 2
      : 0;
    if (inAt > 0) {
      const value = this.#value();
      this.#pos += inAt;
      return { kind: "match", op: inAt === 1 ? "in" : "not in", selector: this.#selector(), value };
    }
    const selector = this.#selector();
    const token = this.#peek();
    if (token.type === "op") {
      this.#pos++;
      return { kind: "match", op: token.text as MatchOp, selector, value: this.#value() };
    }
    if (this.#isWord("is")) {
      const negated = this.#isWord("not", 1);
      if (!this.#isWord("empty", negated ? 2 : 1)) fail(token.at, 'expected "is empty"');
      this.#pos += negated ? 3 : 2;
      return { kind: "match", op: negated ? "is not empty" : "is empty", selector, value: "" };
    }
    const negated = this.#isWord("not");
    const verb = this.#peek(negated ? 1 : 0);
    if (verb.type === "word" && (verb.text === "matches" || verb.text === "contains")) {
      this.#pos += negated ? 2 : 1;
      const op = `${negated ? "not " : ""}${verb.text}` as MatchOp;
      const valueAt = this.#peek().at;
      const value = this.#value();
      if (verb.text !== "matches") return { kind: "match", op, selector, value };
      try {
        return { kind: "match", op, selector, value, pattern: new RegExp(value) };
      } catch {
        return fail(valueAt, `invalid regular expression ${JSON.stringify(value)}`);
      }
    }
    return fail(token.at, "expected ==, !=, is, contains, matches or in");
  }
}

const MISSING = Symbol("missing");

function select(row: unknown, path: readonly string[]): unknown {
  let current: unknown = row;
  for (const [i, part] of path.entries()) {
    if (Array.isArray(current)) {
      const rest = path.slice(i);
      return current.map((item) => select(item, rest)).filter((item) => item !== MISSING).flat();
    }
    if (current === null || typeof current !== "object" || !Object.hasOwn(current, part)) {
      return MISSING;
    }
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

function equalsValue(field: unknown, value: string): boolean {
  if (typeof field === "string") return field === value;
  if (typeof field === "number") return value.trim() !== "" && Number(value) === field;
  if (typeof field === "boolean") return String(field) === value.toLowerCase();
  return false;
}

function isEmpty(field: unknown): boolean {
  if (field === MISSING || field === null || field === undefined || field === "") return true;
  if (Array.isArray(field)) return field.length === 0;
  if (typeof field === "object") return Object.keys(field).length === 0;
  return false;
}

function contains(field: unknown, value: string): boolean {
  if (Array.isArray(field)) return field.some((item) => equalsValue(item, value));
  if (typeof field === "string") return field.includes(value);
  if (field !== null && typeof field === "object") return Object.hasOwn(field, value);
  return false;
}

function evaluate(node: Node, row: unknown): boolean {
  switch (node.kind) {
    case "and":
      return evaluate(node.left, row) && evaluate(node.right, row);
    case "or":
      return evaluate(node.left, row) || evaluate(node.right, row);
    case "not":
      return !evaluate(node.operand, row);
    case "match": {
      const field = select(row, node.selector);
      switch (node.op) {
        case "==":
          return equalsValue(field, node.value);
        case "!=":
          return !equalsValue(field, node.value);
        case "is empty":
          return isEmpty(field);
        case "is not empty":
          return !isEmpty(field);
        case "in":
        case "contains":
          return contains(field, node.value);
        case "not in":
        case "not contains":
          return !contains(field, node.value);
        case "matches":
          return typeof field === "string" && node.pattern!.test(field);
        case "not matches":
          return !(typeof field === "string" && node.pattern!.test(field));
      }
    }
  }
}

function checkSelectors(node: Node, fields: ReadonlySet<string>): void {
  if (node.kind === "not") return checkSelectors(node.operand, fields);
  if (node.kind !== "match") {
    checkSelectors(node.left, fields);
    return checkSelectors(node.right, fields);
  }
  if (!fields.has(node.selector[0])) {
    throw new FilterSyntaxError(`Selector ${JSON.stringify(node.selector.join("."))} is not valid`);
  }
}

/**
 * Compiles a bexpr filter. `fields` lists the top-level field names of the rows it will see;
 * a selector starting elsewhere is refused, as bexpr refuses selectors not in the type.
 *
 * @throws {EndpointError} `bad_request` with Consul's "Failed to create boolean expression
 * evaluator: ..." text when the expression does not parse or names an unknown field.
 */
export function compileFilter(expression: string, fields: readonly string[]): RowFilter {
  try {
    if (expression.length > MAX_FILTER_CHARS) {
      throw new FilterSyntaxError(`expression is longer than ${MAX_FILTER_CHARS} characters`);
    }
    const tree = new Parser(tokenize(expression)).parse();
    checkSelectors(tree, new Set(fields));
    return (row) => evaluate(tree, row);
  } catch (error) {
    if (!(error instanceof FilterSyntaxError)) throw error;
    throw new EndpointError(
      "bad_request",
      `Failed to create boolean expression evaluator: ${error.message}`,
    );
  }
}

/**
 * Applies an optional filter to a list: compiles once, keeps matching rows. An empty or
 * absent expression keeps everything.
 *
 * @throws {EndpointError} as {@linkcode compileFilter}.
 */
export function filterRows(
  expression: string | undefined,
  fields: readonly string[],
): <T>(rows: readonly T[]) => T[] {
  if (expression === undefined || expression.trim() === "") return (rows) => [...rows];
  const keep = compileFilter(expression, fields);
  return (rows) => rows.filter((row) => keep(row));
}
