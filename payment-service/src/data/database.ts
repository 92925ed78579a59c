import { loadMigrations, openDatabase, type Db, type Migration } from '@shop/platform';

export function paymentMigrations(): Migration[] {
  return loadMigrations(import.meta.url);
}

export function openPaymentDatabase(file: string): Db {
  return openDatabase(file, paymentMigrations());
}

/** Runs `work` in one BEGIN IMMEDIATE transaction: the write lock is taken before the first read. */
export type Transactor = <T>(work: () => T) => T;

export function immediateTransactor(db: Db): Transactor {
  return <T>(work: () => T): T => db.transaction(work).immediate();
}
