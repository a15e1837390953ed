/**
 * The {@linkcode Sqlite} port over `node:sqlite` (`DatabaseSync`), which both Deno and Bun
 * provide.
 *
 * @module
 */

import { DatabaseSync } from "node:sqlite";
import type { Sqlite, SqliteDatabase, SqliteStatement } from "./ports.ts";

type Param = null | number | bigint | string | Uint8Array;

/** Returns the {@linkcode Sqlite} port backed by `node:sqlite`. */
export function createNodeSqlite(): Sqlite {
  return {
    open(path: string): SqliteDatabase {
      let db: DatabaseSync;
      try {
        db = new DatabaseSync(path);
      } catch (error) {
        const detail = error instanceof Error ? error.message : String(error);
        throw new Error(`Could not open SQLite database ${path}: ${detail}`, { cause: error });
      }
      return {
        exec: (sql) => db.exec(sql),
        prepare(sql: string): SqliteStatement {
          const statement = db.prepare(sql);
          return {
            run: (...params) => {
              const result = statement.run(...(params as Param[]));
              return {
                changes: Number(result.changes),
                lastInsertRowid: result.lastInsertRowid,
              };
            },
            get: (...params) =>
              statement.get(...(params as Param[])) as Record<string, unknown> | undefined,
            all: (...params) => statement.all(...(params as Param[])) as Record<string, unknown>[],
          };
        },
        close: () => db.close(),
      };
    },
  };
}
