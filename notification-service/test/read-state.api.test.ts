import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { request } from '@shop/platform/tools/testing';
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

let service: RunningNotifications;
beforeAll(async () => {
  service = await startNotifications();
});
afterAll(() => service.stop());

describe('unread notifications and POST /api/notifications/:id/read', () => {
  test('When a customer marks one read, then unread=true lists only the others, and a repeat keeps the first instant', async () => {
    const customerId = randomUUID();
    const token = customerToken(customerId);
    const first = await notifyDirectly(service, orderConfirmed(customerId));
    const second = await notifyDirectly(service, orderConfirmed(customerId));
    expect(first.readAt).toBeNull();

    const marked = await request<Notification>(service.url, 'POST', `/api/notifications/${first.id}/read`, {
      token,
    });
    const again = await request<Notification>(service.url, 'POST', `/api/notifications/${first.id}/read`, {
      token,
    });
    const unread = await request<NotificationList>(service.url, 'GET', '/api/notifications?unread=true', {
      token,
    });
    const all = await request<NotificationList>(service.url, 'GET', '/api/notifications?unread=false', {
      token,
    });

    expect(marked.status).toBe(200);
    expect(marked.body.readAt).toEqual(expect.any(String));
    expect(again.body.readAt).toBe(marked.body.readAt);
    expect(unread.body.data.map((n) => n.id)).toEqual([second.id]);
    expect(unread.body.pagination.total).toBe(1);
    expect(all.body.pagination.total).toBe(2);
  });

  test("When another customer marks someone's notification, then 404 and it stays unread", async () => {
    const owner = randomUUID();
    const notification = await notifyDirectly(service, orderConfirmed(owner));

    const res = await request(service.url, 'POST', `/api/notifications/${notification.id}/read`, {
      token: customerToken(randomUUID()),
    });
    const unread = await request<NotificationList>(service.url, 'GET', '/api/notifications?unread=true', {
      token: customerToken(owner),
    });

    expect(res.status).toBe(404);
    expect(unread.body.data.map((n) => n.id)).toEqual([notification.id]);
  });

  test('When the id or the unread value is malformed, or there is no token, then a clear 4xx and nothing changes', async () => {
    const customerId = randomUUID();
    const notification = await notifyDirectly(service, orderConfirmed(customerId));

    const badId = await request(service.url, 'POST', '/api/notifications/not-a-uuid/read', {
      token: adminToken,
    });
    const badQuery = await request<{ error: { code: string } }>(
      service.url,
      'GET',
      '/api/notifications?unread=yes',
      {
        token: adminToken,
      },
    );
    const anonymous = await request(service.url, 'POST', `/api/notifications/${notification.id}/read`);
    const still = await request<Notification>(service.url, 'GET', `/api/notifications/${notification.id}`, {
      token: customerToken(customerId),
    });

    expect(badId.status).toBe(400);
    expect(badQuery.status).toBe(400);
    expect(badQuery.body.error.code).toBe('validation_failed');
    expect(anonymous.status).toBe(401);
    expect(still.body.readAt).toBeNull();
  });
});
