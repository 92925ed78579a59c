import { loadMigrations, openDatabase, type Db, type Migration } from '@shop/platform';

export function paymentMigrations(): Migration[] {
  return loadMigrations(import.meta.url);
}

export function openPaymentDatabase(file: string): Db {
  return openDatabase(file, paymentMigrations());
}

