import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { request } from '@shop/platform/tools/testing';
import {
  countRows,
  newRegistration,
  startCustomerService,
  type ProfileBody,
  type RunningCustomerService,
} from './support/customer-service.js';

interface OutboxRow {
  type: string;
  envelope: string;
}

describe('POST /auth/register events', () => {
  let service: RunningCustomerService;

  beforeAll(async () => {
    service = await startCustomerService();
  });
  afterAll(async () => {
    await service.stop();
  });

  function outboxRows(): OutboxRow[] {
    return service.db.prepare('SELECT type, envelope FROM event_outbox ORDER BY seq').all() as OutboxRow[];
  }

  test('When a customer registers, then one CustomerRegistered event with the request correlation ID is in the outbox', async () => {
    const correlationId = `register-${randomUUID()}`;
    const input = newRegistration();
    const before = outboxRows().length;

    const res = await request<ProfileBody>(service.url, 'POST', '/auth/register', {
      body: input,
      headers: { 'x-correlation-id': correlationId },
    });

    expect(res.status).toBe(201);
    const added = outboxRows().slice(before);
    expect(added).toHaveLength(1);
    expect(added[0]?.type).toBe('CustomerRegistered');
    expect(JSON.parse(added[0]?.envelope ?? '{}')).toEqual({
      id: expect.any(String) as unknown,
      type: 'CustomerRegistered',
      occurredAt: expect.any(String) as unknown,
      correlationId,
      source: 'customer-service',
      data: { customerId: res.body.id, email: input.email.toLowerCase(), name: input.name },
    });
  });

  test('When the registration is refused (duplicate email), then no event is written', async () => {
    const input = newRegistration();
    await request(service.url, 'POST', '/auth/register', { body: input });
    const before = outboxRows().length;

    const res = await request(service.url, 'POST', '/auth/register', { body: { ...input, name: 'Other' } });

    expect(res.status).toBe(409);
    expect(outboxRows()).toHaveLength(before);
  });

  test('When the outbox write fails, then the account is not created either (one transaction)', async () => {
    const customersBefore = countRows(service.db, 'customers');
    const eventsBefore = outboxRows().length;
    service.db.exec(
      "CREATE TRIGGER outbox_down BEFORE INSERT ON event_outbox BEGIN SELECT RAISE(ABORT, 'outbox unavailable'); END",
    );
    try {
      const res = await request(service.url, 'POST', '/auth/register', { body: newRegistration() });

      expect(res.status).toBe(500);
    } finally {
      service.db.exec('DROP TRIGGER outbox_down');
    }
    expect(countRows(service.db, 'customers')).toBe(customersBefore);
    expect(outboxRows()).toHaveLength(eventsBefore);
  });
});
