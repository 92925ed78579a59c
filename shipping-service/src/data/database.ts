import { loadMigrations, openDatabase, type Db, type Migration } from '@shop/platform';

export function shippingMigrations(): Migration[] {
  return loadMigrations(import.meta.url);
}

export function openShippingDatabase(file: string): Db {
  return openDatabase(file, shippingMigrations());
}

