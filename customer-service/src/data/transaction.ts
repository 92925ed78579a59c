import type { Db } from '@shop/platform';
import type { RunInTransaction } from '../domain/stores.js';

export function transactionRunner(db: Db): RunInTransaction {
  return <T>(work: () => T): T => db.transaction(work)();
}
