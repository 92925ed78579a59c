import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';

/**
 * A read-only view of a running service's SQLite file. Table and column names are looked up among
 * candidates, so the checks adapt to each service's migrations instead of failing on a rename.
 */
export interface SqliteReader {
  /** The first candidate table that exists, or undefined. */
  table(...candidates: string[]): string | undefined;
  /** The first candidate column of `table` that exists, or undefined. */
  column(table: string, ...candidates: string[]): string | undefined;
  all<T>(sql: string, ...params: unknown[]): T[];
  close(): void;
}

export function openReadOnly(file: string): SqliteReader | undefined {
  if (!existsSync(file)) return undefined;
  const db = new Database(file, { readonly: true, fileMustExist: true });
  db.pragma('busy_timeout = 5000');
  const columns = new Map<string, Set<string>>();
  const tables = new Set(
    (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map(
      (row) => row.name,
    ),
  );
  function columnsOf(table: string): Set<string> {
    let known = columns.get(table);
    if (!known) {
      known = new Set(
        (db.prepare(`SELECT name FROM pragma_table_info(?)`).all(table) as { name: string }[]).map(
          (r) => r.name,
        ),
      );
      columns.set(table, known);
    }
    return known;
  }
  return {
    table: (...candidates) => candidates.find((name) => tables.has(name)),
    column: (table, ...candidates) => candidates.find((name) => columnsOf(table).has(name)),
    all: <T>(sql: string, ...params: unknown[]) => db.prepare(sql).all(...params) as T[],
    close: () => db.close(),
  };
}

/** Double-quotes an identifier found by table()/column() (they only return names that exist). */
export function quoted(identifier: string): string {
  return `"${identifier.replaceAll('"', '""')}"`;
}
