import { z, type UpstreamClient } from '@shop/platform/runtime';
import type { InventoryPort } from '../domain/ports.js';
import {
  errorCode,
  errorDetails,
  errorMessage,
  unavailableFrom,
  unexpectedResponse,
} from './upstream-failure.js';

const reservationSchema = z.object({
  items: z.array(
    z.object({
      productId: z.number().int().positive(),
      name: z.string(),
      quantity: z.number().int().positive(),
      unitPriceCents: z.number().int().nonnegative(),
    }),
  ),
  currency: z.string().min(3).max(3),
});

/** InventoryPort over the internal HTTP contract (service.md: POST /internal/reservations ...). */
export function createInventoryPort(client: UpstreamClient, authorization: () => string): InventoryPort {
  const call = (method: string, path: string, idempotencyKey: string, body?: unknown) =>
    client.request({ method, path, body, idempotencyKey, headers: { authorization: authorization() } });

  return {
    async reserve(orderId, items, deadline) {
      let response;
      try {
        response = await call('POST', '/internal/reservations', `reserve:${orderId}`, {
          orderId,
          items,
          deadline: deadline.toISOString(),
        });
      } catch (error) {
        return unavailableFrom(error);
      }
      if (response.status === 200 || response.status === 201) {
        const parsed = reservationSchema.safeParse(response.body);
        if (!parsed.success) {
          return {
            kind: 'unavailable',
            outcome: 'unknown',
            retryAfterSeconds: undefined,
            detail: 'invalid reservation',
          };
        }
        return { kind: 'reserved', items: parsed.data.items, currency: parsed.data.currency };
      }
      const code = errorCode(response.body);
      if (response.status === 409 && code === 'out_of_stock') {
        return {
          kind: 'out_of_stock',
          message: errorMessage(response.body, 'Not enough stock'),
          details: errorDetails(response.body),
        };
      }
      if (response.status === 422 && code === 'unknown_product') {
        return {
          kind: 'unknown_product',
          message: errorMessage(response.body, 'Unknown product'),
          details: errorDetails(response.body),
        };
      }
      return unexpectedResponse(client.name, response);
    },

    async release(orderId) {
      try {
        const response = await call(
          'POST',
          `/internal/reservations/${orderId}/release`,
          `release:${orderId}`,
        );
        if (response.status === 200) return { kind: 'done' };
        // Nothing reserved for this order, yet: the task decides whether a reservation may still land.
        if (response.status === 404) return { kind: 'not_found' };
        return unexpectedResponse(client.name, response);
      } catch (error) {
        return unavailableFrom(error);
      }
    },

    async commit(orderId) {
      try {
        const response = await call('POST', `/internal/reservations/${orderId}/commit`, `commit:${orderId}`);
        if (response.status === 200) return { kind: 'done' };
        if (response.status === 404) return { kind: 'missing' };
        return unexpectedResponse(client.name, response);
      } catch (error) {
        return unavailableFrom(error);
      }
    },
  };
}
