/**
 * An in-memory FileSystem for config tests: files are a map from absolute path to text, and
 * directories exist wherever a file lies below them (or where `mkdir` made one).
 *
 * @module
 */
import type { AppendFile, FileInfo, FileSystem } from "../../src/runtime/ports.ts";

/** In-memory FileSystem; only what config loading needs is meaningful, the rest works simply. */
export class FakeFileSystem implements FileSystem {
  readonly #files = new Map<string, Uint8Array>();
  readonly #dirs = new Set<string>(["/"]);
  /** Paths read, in order, so tests can assert what was (not) read. */
  readonly reads: string[] = [];

  /** Creates the file system holding `files` (path → text). */
  constructor(files: Record<string, string> = {}) {
    for (const [path, text] of Object.entries(files)) {
      this.#put(path, new TextEncoder().encode(text));
    }
  }

  #put(path: string, data: Uint8Array): void {
    this.#files.set(path, data);
    const parts = path.split("/").slice(0, -1);
    for (let i = 1; i <= parts.length; i++) this.#dirs.add(parts.slice(0, i).join("/") || "/");
  }

  #get(path: string): Uint8Array {
    const data = this.#files.get(path);
    if (!data) throw new Error(`read ${path}: no such file`);
    this.reads.push(path);
    return data;
  }

  readFile(path: string): Promise<Uint8Array> {
    return Promise.resolve(this.#get(path));
  }

  readTextFile(path: string): Promise<string> {
    return Promise.resolve(new TextDecoder().decode(this.#get(path)));
  }

  writeFile(
    path: string,
    data: Uint8Array | string,
    options?: { exclusive?: boolean },
  ): Promise<void> {
    if (options?.exclusive && this.#files.has(path)) {
      return Promise.reject(new Error(`write ${path}: file exists`));
    }
    this.#put(path, typeof data === "string" ? new TextEncoder().encode(data) : data);
    return Promise.resolve();
  }

  writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
    return this.writeFile(path, data);
  }

  openAppend(path: string): Promise<AppendFile> {
    return Promise.reject(new Error(`openAppend ${path}: not supported by the fake`));
  }

  truncate(path: string, size: number): Promise<void> {
    this.#put(path, this.#get(path).slice(0, size));
    return Promise.resolve();
  }

  mkdir(path: string): Promise<void> {
    this.#dirs.add(path);
    return Promise.resolve();
  }

  readDir(path: string): Promise<string[]> {
    if (!this.#dirs.has(path)) return Promise.reject(new Error(`readdir ${path}: no such dir`));
    const prefix = path.endsWith("/") ? path : `${path}/`;
    const names = new Set<string>();
    for (const entry of [...this.#files.keys(), ...this.#dirs]) {
      if (entry.startsWith(prefix) && entry !== prefix) {
        names.add(entry.slice(prefix.length).split("/")[0]);
      }
    }
    return Promise.resolve([...names].sort());
  }

  stat(path: string): Promise<FileInfo | null> {
    const file = this.#files.get(path);
    if (file) return Promise.resolve({ isFile: true, isDirectory: false, size: file.length });
    if (this.#dirs.has(path)) return Promise.resolve({ isFile: false, isDirectory: true, size: 0 });
    return Promise.resolve(null);
  }

  remove(path: string): Promise<void> {
    this.#files.delete(path);
    this.#dirs.delete(path);
    return Promise.resolve();
  }

  rename(from: string, to: string): Promise<void> {
    this.#put(to, this.#get(from));
    this.#files.delete(from);
    return Promise.resolve();
  }
}
