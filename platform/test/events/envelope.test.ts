import { randomUUID } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { EVENT_TYPES } from '../../src/events/catalog.js';
import { createEnvelope, parseEnvelope } from '../../src/events/envelope.js';
import { orderConfirmed } from './transport-contract.js';

describe('parseEnvelope', () => {
  test('When the envelope and its data are valid, then it returns the typed event', () => {
    const event = orderConfirmed();

    const result = parseEnvelope(Buffer.from(JSON.stringify(event)));

    expect(result).toEqual({ ok: true, envelope: event });
  });

  test('When the data carries unknown fields, then they are dropped', () => {
    const event = orderConfirmed();

    const result = parseEnvelope({ ...event, data: { ...event.data, internalNote: 'x' } });

    expect(result.ok && result.envelope.data).toEqual(event.data);
  });

  test.each([
    ['not JSON', '{oops', /^not JSON/],
    ['not an object', '42', /expected object/],
    [
      'an unknown type',
      JSON.stringify({ ...orderConfirmed(), type: 'OrderShipped' }),
      /unknown event type 'OrderShipped'/,
    ],
    ['a bad id', JSON.stringify({ ...orderConfirmed(), id: 'not-a-uuid' }), /^id: /],
    [
      'a bad correlationId',
      JSON.stringify({ ...orderConfirmed(), correlationId: 'a b' }),
      /^correlationId: /,
    ],
    [
      'money as a float',
      JSON.stringify({ ...orderConfirmed(), data: { ...orderConfirmed().data, totalCents: 10.5 } }),
      /data\.totalCents/,
    ],
    [
      'a productId that is not a positive integer',
      JSON.stringify({
        ...orderConfirmed(),
        data: {
          ...orderConfirmed().data,
          items: [{ productId: '7', name: 'Mug', quantity: 1, unitPriceCents: 1 }],
        },
      }),
      /data\.items\.0\.productId/,
    ],
  ])('When the message is %s, then it returns an error and never throws', (_case, raw, error) => {
    const result = parseEnvelope(raw);

    expect(result.ok).toBe(false);
    expect(!result.ok && result.error).toMatch(error);
  });

  test('When a message is invalid but has a type and id, then they are reported for metrics and listings', () => {
    const event = { ...orderConfirmed(), data: {} };

    const result = parseEnvelope(JSON.stringify(event));

    expect(result).toMatchObject({ ok: false, type: 'OrderConfirmed', id: event.id });
  });
});

describe('createEnvelope', () => {
  test('When ShipmentStatusChanged has a status outside the catalogue, then it throws', () => {
    const data = {
      shipmentId: randomUUID(),
      orderId: randomUUID(),
      customerId: randomUUID(),
      status: 'LOST',
      previousStatus: 'IN_TRANSIT',
    } as const;

    // @ts-expect-error -- the status is outside the catalogue on purpose
    expect(() => createEnvelope('ShipmentStatusChanged', data, { source: 'shipping-service' })).toThrow(
      /data\.status/,
    );
  });

  test('When no correlation context exists, then a new UUID is used', () => {
    const event = createEnvelope(
      'CustomerRegistered',
      { customerId: randomUUID(), email: 'ann@example.com', name: 'Ann' },
      { source: 'customer-service' },
    );

    expect(event.correlationId).toMatch(/^[0-9a-f-]{36}$/);
    expect(parseEnvelope(JSON.stringify(event))).toEqual({ ok: true, envelope: event });
  });

  test('The catalogue holds the ten events of the platform', () => {
    expect([...EVENT_TYPES].sort()).toEqual(
      [
        'CustomerRegistered',
        'OrderCancelled',
        'OrderConfirmed',
        'PaymentCaptured',
        'PaymentRefunded',
        'ProductChanged',
        'ShipmentScheduled',
        'ShipmentStatusChanged',
        'StockReleased',
        'StockReserved',
      ].sort(),
    );
  });
});
