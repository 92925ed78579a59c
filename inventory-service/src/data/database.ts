import { loadMigrations, openDatabase, type Db, type Migration } from '@shop/platform';

export function inventoryMigrations(): Migration[] {
  return loadMigrations(import.meta.url);
}

export function openInventoryDatabase(file: string): Db {
  return openDatabase(file, inventoryMigrations());
}

