import { describe, expect, test } from 'vitest';
import { messageFor } from '../src/domain/messages.js';

const orderId = '3f1c3a52-2d7e-4b8e-9a55-2b1a8f6a9c11';

describe('messageFor', () => {
  test('When an order is cancelled for a known reason, then the customer reads it in plain words', () => {
    const message = messageFor({
      type: 'OrderCancelled',
      data: { orderId, customerId: 'c1', reason: 'out_of_stock', previousStatus: 'PENDING' },
    });

    expect(message).toEqual({
      customerId: 'c1',
      subject: 'Order 3f1c3a52 cancelled',
      body: expect.stringContaining('because an item is out of stock') as unknown,
    });
  });

  test('When the reason is unknown, then it is shown as sent', () => {
    const message = messageFor({
      type: 'OrderCancelled',
      data: { orderId, customerId: 'c1', reason: 'warehouse_flooded', previousStatus: 'CONFIRMED' },
    });

    expect(message?.body).toContain('because warehouse_flooded');
  });

  test('When a refund is announced, then the amount is formatted from cents', () => {
    const message = messageFor({
      type: 'PaymentRefunded',
      data: { paymentId: 'p1', orderId, customerId: 'c1', amountCents: 123_456, currency: 'USD' },
    });

    expect(message?.subject).toBe('Refund of $1,234.56 for order 3f1c3a52');
  });

  test('When a shipment is cancelled, then no message is written', () => {
    expect(
      messageFor({
        type: 'ShipmentStatusChanged',
        data: {
          shipmentId: 's1',
          orderId,
          customerId: 'c1',
          status: 'CANCELLED',
          previousStatus: 'SCHEDULED',
        },
      }),
    ).toBeUndefined();
  });
});
