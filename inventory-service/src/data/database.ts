import { loadMigrations, openDatabase, type DatabaseSettings, type Db, type Migration } from '@shop/platform';

export function inventoryMigrations(): Migration[] {
  return loadMigrations(import.meta.url);
}

export function openInventoryDatabase(file: string, settings?: DatabaseSettings): Db {
  return openDatabase(file, inventoryMigrations(), settings);
}

