import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { request, tokenFor } from '@shop/platform/tools/testing';
import type { Notification } from '../src/domain/notification.js';
import {
  adminToken,
  customerToken,
  notifyDirectly,
  orderConfirmed,
  startNotifications,
  type NotificationList,
  type RunningNotifications,
} from './support/notification-harness.js';

interface ErrorBody {
  error: { code: string; message: string; correlationId: string };
}

let service: RunningNotifications;

beforeAll(async () => {
  service = await startNotifications();
});
afterAll(async () => {
  await service.stop();
});

function list(query: string, token: string) {
  return request<NotificationList & ErrorBody>(service.url, 'GET', `/api/notifications${query}`, { token });
}

describe('GET /api/notifications', () => {
  test('When a customer lists, then only their notifications come back, whatever customerId they ask for', async () => {
    const customerId = randomUUID();
    const mine = [
      await notifyDirectly(service, orderConfirmed(customerId)),
      await notifyDirectly(service, orderConfirmed(customerId)),
    ];
    const other = await notifyDirectly(service, orderConfirmed(randomUUID()));

    const own = await list('', customerToken(customerId));
    const widened = await list(`?customerId=${other.customerId}`, customerToken(customerId));

    expect(own.status).toBe(200);
    expect(own.body.data.map((n) => n.id).sort()).toEqual(mine.map((n) => n.id).sort());
    expect(own.body.pagination).toEqual({ page: 1, limit: 20, total: 2 });
    expect(widened.status).toBe(200);
    expect(widened.body.data).toEqual([]);
  });

  test('When an admin lists with a customerId filter and pagination, then that customer’s pages come back, newest first', async () => {
    const customerId = randomUUID();
    const created: Notification[] = [];
    for (let i = 0; i < 3; i += 1) created.push(await notifyDirectly(service, orderConfirmed(customerId)));

    const first = await list(`?customerId=${customerId}&limit=2`, adminToken);
    const second = await list(`?customerId=${customerId}&limit=2&page=2`, adminToken);

    expect(first.body.pagination).toEqual({ page: 1, limit: 2, total: 3 });
    expect([...first.body.data, ...second.body.data].map((n) => n.id).sort()).toEqual(
      created.map((n) => n.id).sort(),
    );
    const times = [...first.body.data, ...second.body.data].map((n) => n.createdAt);
    expect(times).toEqual([...times].sort().reverse());
  });

  test('When an admin lists without a filter, then every customer’s notifications come back; eventType and status filter them', async () => {
    const a = await notifyDirectly(service, orderConfirmed(randomUUID()));
    const b = await notifyDirectly(service, orderConfirmed(randomUUID()));

    const all = await list('?limit=100', adminToken);
    const failedConfirmations = await list('?limit=100&eventType=OrderConfirmed&status=FAILED', adminToken);
    const registrations = await list('?eventType=CustomerRegistered', adminToken);

    expect(all.body.data.map((n) => n.id)).toEqual(expect.arrayContaining([a.id, b.id]));
    // No lookup and an unknown customer: these are FAILED without a recipient.
    expect(failedConfirmations.body.data.map((n) => n.id)).toEqual(expect.arrayContaining([a.id, b.id]));
    expect(registrations.body.data).toEqual([]);
  });

  test.each(['eventType=OrderPlaced', 'status=QUEUED', 'limit=0', 'limit=101', 'page=x', 'sort=createdAt'])(
    'When the query is %s, then 400 validation_failed',
    async (query) => {
      const res = await list(`?${query}`, adminToken);

      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
    },
  );

  test('When nobody is logged in, then 401; when a service token asks, then 403', async () => {
    expect((await request(service.url, 'GET', '/api/notifications')).status).toBe(401);
    expect((await list('', tokenFor({ id: 'service:order-service', role: 'service' }))).status).toBe(403);
  });
});

describe('GET /api/notifications/:id', () => {
  test('When the owner or an admin asks, then 200; another customer gets 404', async () => {
    const notification = await notifyDirectly(service, orderConfirmed(randomUUID()));
    const get = (token: string) =>
      request<Notification>(service.url, 'GET', `/api/notifications/${notification.id}`, { token });

    const owner = await get(customerToken(notification.customerId));
    const admin = await get(adminToken);
    const other = await get(customerToken(randomUUID()));

    expect(owner.status).toBe(200);
    expect(owner.body).toEqual(notification);
    expect(admin.status).toBe(200);
    expect(other.status).toBe(404);
  });

  test('When the id is not a UUID, then 400; when it is unknown, then 404', async () => {
    expect((await request(service.url, 'GET', '/api/notifications/7', { token: adminToken })).status).toBe(
      400,
    );
    expect(
      (await request(service.url, 'GET', `/api/notifications/${randomUUID()}`, { token: adminToken })).status,
    ).toBe(404);
  });
});

describe('GET /health/ready', () => {
  test('When the database and the embedded bus are up, then ready with a broker check', async () => {
    const res = await request<{ checks: Record<string, { ok: boolean; detail?: string }> }>(
      service.url,
      'GET',
      '/health/ready',
    );

    expect(res.status).toBe(200);
    expect(res.body.checks).toEqual({
      db: { ok: true },
      broker: { ok: true, detail: 'embedded connected' },
    });
  });
});
