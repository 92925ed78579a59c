import { loadMigrations, openDatabase, type Db, type Migration } from '@shop/platform';
import type { RunInTransaction } from '../domain/ports.js';

export function shippingMigrations(): Migration[] {
  return loadMigrations(import.meta.url);
}

export function openShippingDatabase(file: string): Db {
  return openDatabase(file, shippingMigrations());
}

/**
 * BEGIN IMMEDIATE: the write lock is taken before the first read. Inside an event handler's inbox
 * transaction it becomes a savepoint of that transaction.
 */
export function immediateTransactor(db: Db): RunInTransaction {
  return <T>(work: () => T): T => db.transaction(work).immediate();
}
