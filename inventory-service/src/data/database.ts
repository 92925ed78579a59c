import { loadMigrations, openDatabase, type Db, type Migration } from '@shop/platform';

export function inventoryMigrations(): Migration[] {
  return loadMigrations(import.meta.url);
}

export function openInventoryDatabase(file: string): Db {
  return openDatabase(file, inventoryMigrations());
}

/** Runs `work` in one BEGIN IMMEDIATE transaction: the write lock is taken before the first read. */
export type Transactor = <T>(work: () => T) => T;

export function immediateTransactor(db: Db): Transactor {
  return <T>(work: () => T): T => db.transaction(work).immediate();
}
