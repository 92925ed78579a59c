import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, test } from 'vitest';
import { createBudgetStore, openDatabase, type BudgetStore } from '../../src/runtime/index.js';
import { captureLogger, reachable } from '../../src/testing/index.js';

const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const redisUp = await reachable(`http://${new URL(redisUrl).host}`);

describe.skipIf(!redisUp)('Budgets in Redis (loaded on first use)', () => {
  const stores: BudgetStore[] = [];
  afterAll(async () => {
    await Promise.all(stores.map((store) => store.close()));
  });

  test('When two stores share a prefix, then one budget of 2 is spent by both together, and a reset gives it back', async () => {
    const prefix = `budget-test-${randomUUID()}`;
    const { logger } = captureLogger('customer-service');
    const db = openDatabase(':memory:');
    const first = createBudgetStore({ db, redisUrl, keyPrefix: prefix, logger });
    const second = createBudgetStore({ db, redisUrl, keyPrefix: prefix, logger });
    stores.push(first, second);
    expect(first.kind).toBe('redis (shared)');
    const settings = { name: 'login_email', points: 2, durationSeconds: 60 };
    // No pause: the first budgets wait for each store's connection, so even these first calls are shared.
    expect(await first.budget(settings).consume('a@example.test')).toEqual({ allowed: true, remaining: 1 });
    expect(await second.budget(settings).consume('a@example.test')).toEqual({ allowed: true, remaining: 0 });
    expect(await first.budget(settings).consume('a@example.test')).toMatchObject({ allowed: false });

    await second.budget(settings).reset('a@example.test');
    expect(await first.budget(settings).consume('a@example.test')).toEqual({ allowed: true, remaining: 1 });
  });
});
