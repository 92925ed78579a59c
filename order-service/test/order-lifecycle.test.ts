import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { createMetricsRegistry, loadMigrations, openDatabase, type Db } from '@shop/platform/runtime';
import { createOrderRepository } from '../src/data/order-repository.js';
import { createOrderLifecycle, type OrderLifecycle } from '../src/domain/order-lifecycle.js';
import { NO_EVENT_HOOKS, type OrderStore } from '../src/domain/ports.js';
import { createOrderMetrics } from '../src/order-metrics.js';

// The lifecycle on the real repository and schema (SQLite in memory): what a second confirmation does.
describe('Order lifecycle: confirming an order that is no longer PENDING', () => {
  let db: Db;
  let store: OrderStore;
  let lifecycle: OrderLifecycle;
  const at = new Date('2030-01-01T00:00:00.000Z');

  beforeEach(() => {
    db = openDatabase(':memory:', loadMigrations(import.meta.url));
    store = createOrderRepository(db);
    const metrics = createOrderMetrics(createMetricsRegistry('order-service', { collectDefault: false }));
    lifecycle = createOrderLifecycle({ store, hooks: NO_EVENT_HOOKS, metrics });
  });
  afterEach(() => db.close());

  function pendingOrder(): string {
    const id = randomUUID();
    store.insert({
      id,
      customerId: 'customer-a',
      lines: [{ productId: 1, quantity: 1 }],
      correlationId: 'corr-1',
      createdAt: at.toISOString(),
      reserveDeadline: at.toISOString(),
    });
    return id;
  }

  const taskKinds = (orderId: string) =>
    store
      .tasksFor(orderId)
      .map((task) => task.kind)
      .sort();

  test('When it was confirmed meanwhile (another pass or instance), then the second confirmation returns it and refunds nothing', () => {
    const id = pendingOrder();
    lifecycle.confirm(id, 'payment-1', at);

    const again = lifecycle.confirm(id, 'payment-1', at);

    expect(again).toMatchObject({ id, status: 'CONFIRMED', paymentId: 'payment-1' });
    expect(taskKinds(id)).toEqual(['commit_reservation']);
  });

  test('When it was cancelled meanwhile, then the confirmation is refused and the capture gets a refund task', () => {
    const id = pendingOrder();
    lifecycle.cancel(id, 'PENDING', 'cancelled_by_customer', { release: true, refund: false }, at);

    const confirmed = lifecycle.confirm(id, 'payment-1', at);

    expect(confirmed).toBeUndefined();
    expect(taskKinds(id)).toEqual(['refund_payment', 'release_reservation']);
    expect(store.find(id)).toMatchObject({ status: 'CANCELLED', paymentId: null });
  });
});
