import { immediateTransactor, type Db } from '@shop/platform/runtime';
import type { RunInTransaction } from '../domain/stores.js';

export function transactionRunner(db: Db): RunInTransaction {
  return immediateTransactor(db);
}
