import { loadMigrations, openDatabase, type Db, type Migration } from '@shop/platform';

export function notificationMigrations(): Migration[] {
  return loadMigrations(import.meta.url);
}

export function openNotificationDatabase(file: string): Db {
  return openDatabase(file, notificationMigrations());
}
