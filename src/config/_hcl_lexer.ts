/**
 * Tokenizer for HCL version 1, the configuration language Consul's agent reads: identifiers,
 * numbers, booleans, double-quoted strings with escapes (`${...}` kept literally), heredocs
 * (`<<EOF` and the indented `<<-EOF`), punctuation, and `#`, `//` and `/* *\/` comments.
 *
 * @module
 */
import { ConfigError } from "./errors.ts";

/** The kinds of token. */
export type TokenKind =
  | "ident"
  | "number"
  | "bool"
  | "string"
  | "heredoc"
  | "{"
  | "}"
  | "["
  | "]"
  | ","
  | "="
  | "eof";

/** One token with its decoded value and where it starts. */
export interface Token {
  readonly kind: TokenKind;
  /** Source text, for messages. */
  readonly text: string;
  /** Decoded value: string for ident/string/heredoc, number, or boolean. */
  readonly value: string | number | boolean | null;
  readonly line: number;
  readonly column: number;
}

const PUNCTUATION = new Set(["{", "}", "[", "]", ",", "="]);
const SIMPLE_ESCAPES: Record<string, string> = {
  a: "\x07",
  b: "\b",
  f: "\f",
  n: "\n",
  r: "\r",
  t: "\t",
  v: "\v",
  "\\": "\\",
  '"': '"',
};

/** Splits HCL source into tokens; the last token is always `eof`. */
export class HclLexer {
  readonly #src: string;
  readonly #file: string;
  #pos = 0;
  #line = 1;
  #column = 1;

  /** Prepares to tokenize `src`, naming `file` in errors. */
  constructor(src: string, file: string) {
    this.#src = src;
    this.#file = file;
  }

  /**
   * Returns the next token.
   *
   * @throws {ConfigError} on a character or literal HCL does not allow.
   */
  next(): Token {
    this.#skipSpaceAndComments();
    const line = this.#line;
    const column = this.#column;
    if (this.#pos >= this.#src.length) return { kind: "eof", text: "", value: null, line, column };
    const ch = this.#src[this.#pos];
    if (PUNCTUATION.has(ch)) {
      this.#advance(1);
      return { kind: ch as TokenKind, text: ch, value: null, line, column };
    }
    if (ch === '"') return this.#string(line, column);
    if (ch === "<" && this.#src.startsWith("<<", this.#pos)) return this.#heredoc(line, column);
    if (isDigit(ch) || (ch === "-" && isDigit(this.#src[this.#pos + 1] ?? ""))) {
      return this.#number(line, column);
    }
    if (isIdentStart(ch)) {
      const start = this.#pos;
      while (this.#pos < this.#src.length && isIdentPart(this.#src[this.#pos])) this.#advance(1);
      const text = this.#src.slice(start, this.#pos);
      if (text === "true" || text === "false") {
        return { kind: "bool", text, value: text === "true", line, column };
      }
      return { kind: "ident", text, value: text, line, column };
    }
    throw this.#error(line, `Unexpected character ${JSON.stringify(ch)} at column ${column}`);
  }

  #error(line: number, detail: string): ConfigError {
    return new ConfigError({ file: this.#file, line, key: "", detail });
  }

  #advance(count: number): void {
    for (let i = 0; i < count && this.#pos < this.#src.length; i++) {
      if (this.#src[this.#pos] === "\n") {
        this.#line++;
        this.#column = 1;
      } else {
        this.#column++;
      }
      this.#pos++;
    }
  }

  #skipSpaceAndComments(): void {
    const src = this.#src;
    while (this.#pos < src.length) {
      const ch = src[this.#pos];
      if (ch === " " || ch === "\t" || ch === "\r" || ch === "\n" || ch === "\uFEFF") {
        this.#advance(1);
      } else if (ch === "#" || src.startsWith("//", this.#pos)) {
        while (this.#pos < src.length && src[this.#pos] !== "\n") this.#advance(1);
      } else if (src.startsWith("/*", this.#pos)) {
        const line = this.#line;
        const end = src.indexOf("*/", this.#pos + 2);
        if (end === -1) throw this.#error(line, "Comment starting with /* is never closed by */");
        this.#advance(end + 2 - this.#pos);
      } else {
        return;
      }
    }
  }

  #number(line: number, column: number): Token {
    const match = /^-?(0[xX][0-9a-fA-F]+|[0-9]+(\.[0-9]*)?([eE][+-]?[0-9]+)?)/.exec(
      this.#src.slice(this.#pos, this.#pos + 64),
    );
    if (!match) throw this.#error(line, `Malformed number at column ${column}`);
    const text = match[0];
    this.#advance(text.length);
    if (isIdentPart(this.#src[this.#pos] ?? " ")) {
      throw this.#error(line, `Malformed number "${text}${this.#src[this.#pos]}..."`);
    }
    return { kind: "number", text, value: decodeNumber(text), line, column };
  }

  #string(line: number, column: number): Token {
    const src = this.#src;
    const start = this.#pos;
    this.#advance(1);
    let out = "";
    let braces = 0; // depth inside ${ ... }, copied verbatim as Consul's HCL does
    while (true) {
      if (this.#pos >= src.length || src[this.#pos] === "\n") {
        throw this.#error(line, "String is not terminated; strings cannot span lines (use <<EOF)");
      }
      const ch = src[this.#pos];
      if (braces > 0) {
        if (ch === "{") braces++;
        if (ch === "}") braces--;
        out += ch;
        this.#advance(1);
      } else if (ch === '"') {
        this.#advance(1);
        break;
      } else if (ch === "$" && src[this.#pos + 1] === "{") {
        braces = 1;
        out += "${";
        this.#advance(2);
      } else if (ch === "\\") {
        out += this.#escape(line);
      } else {
        out += ch;
        this.#advance(1);
      }
    }
    return { kind: "string", text: src.slice(start, this.#pos), value: out, line, column };
  }

  #escape(line: number): string {
    const src = this.#src;
    const kind = src[this.#pos + 1] ?? "";
    if (kind in SIMPLE_ESCAPES) {
      this.#advance(2);
      return SIMPLE_ESCAPES[kind];
    }
    const width = kind === "x"
      ? 2
      : kind === "u"
      ? 4
      : kind === "U"
      ? 8
      : /[0-7]/.test(kind)
      ? 3
      : 0;
    const digits = kind >= "0" && kind <= "7"
      ? src.slice(this.#pos + 1, this.#pos + 4)
      : src.slice(this.#pos + 2, this.#pos + 2 + width);
    const radix = kind >= "0" && kind <= "7" ? 8 : 16;
    const valid = radix === 8 ? /^[0-7]{3}$/ : /^[0-9a-fA-F]+$/;
    if (width === 0 || digits.length !== width || !valid.test(digits)) {
      throw this.#error(line, `Invalid escape sequence "\\${kind}" in string`);
    }
    const code = parseInt(digits, radix);
    if (code > 0x10ffff) throw this.#error(line, `Escape "\\${kind}${digits}" is out of range`);
    this.#advance(radix === 8 ? 4 : 2 + width);
    return String.fromCodePoint(code);
  }

  #heredoc(line: number, column: number): Token {
    const src = this.#src;
    const header = /^<<(-?)([A-Za-z_][A-Za-z0-9_-]*)\r?\n/.exec(
      src.slice(this.#pos, this.#pos + 256),
    );
    if (!header) {
      throw this.#error(line, "Heredoc must be <<NAME or <<-NAME followed by a line break");
    }
    const [whole, indented, anchor] = header;
    const bodyStart = this.#pos + whole.length;
    const lines: string[] = [];
    let cursor = bodyStart;
    while (true) {
      if (cursor >= src.length) {
        throw this.#error(line, `Heredoc <<${anchor} is never closed by a line holding ${anchor}`);
      }
      let end = src.indexOf("\n", cursor);
      if (end === -1) end = src.length;
      const text = src.slice(cursor, end).replace(/\r$/, "");
      cursor = end;
      if (text.trim() === anchor) break;
      lines.push(text);
      cursor++;
    }
    this.#advance(cursor - this.#pos);
    const body = indented ? dedent(lines) : lines;
    const value = body.map((text) => `${text}\n`).join("");
    return { kind: "heredoc", text: whole.trim(), value, line, column };
  }
}

function dedent(lines: readonly string[]): string[] {
  const indents = lines
    .filter((text) => text.trim() !== "")
    .map((text) => /^[ \t]*/.exec(text)![0].length);
  const strip = indents.length === 0 ? 0 : Math.min(...indents);
  return lines.map((text) => text.slice(Math.min(strip, /^[ \t]*/.exec(text)![0].length)));
}

function decodeNumber(text: string): number {
  const negative = text.startsWith("-");
  const body = negative ? text.slice(1) : text;
  let value: number;
  if (/^0[xX]/.test(body)) value = parseInt(body.slice(2), 16);
  else if (/[.eE]/.test(body)) value = parseFloat(body);
  else if (body.length > 1 && body.startsWith("0") && /^[0-7]+$/.test(body)) {
    value = parseInt(body, 8); // HCL 1 reads a leading zero as octal, like Go
  } else value = parseInt(body, 10);
  return negative ? -value : value;
}

function isDigit(ch: string): boolean {
  return ch >= "0" && ch <= "9";
}

function isIdentStart(ch: string): boolean {
  return ch === "_" || /\p{L}/u.test(ch);
}

function isIdentPart(ch: string): boolean {
  return isIdentStart(ch) || isDigit(ch) || ch === "-" || ch === ".";
}
